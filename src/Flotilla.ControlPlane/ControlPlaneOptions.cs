using Microsoft.Extensions.Logging;

namespace Flotilla.ControlPlane;

/// <summary>How <c>flotilla serve</c> runs; mutable, read once when the server starts.</summary>
public sealed class ControlPlaneOptions
{
    /// <summary>Addresses Kestrel listens on (semicolon separated); port 0 picks a free port.</summary>
    public string Urls { get; set; } = "http://127.0.0.1:8000";

    /// <summary>Where the SQLite database lives (default: <see cref="Store.ControlPlaneStores.DefaultDataDirectory"/>).</summary>
    public string? DataDirectory { get; set; }

    /// <summary>A <c>postgres://</c> URL: PostgreSQL instead of SQLite.</summary>
    public string? Database { get; set; }

    /// <summary>
    /// A shared enrolment token (opt-in, for people migrating from NixFleet's NIXFLEET_AGENT_TOKEN):
    /// an agent presenting it is enrolled under the hostname it reports.
    /// </summary>
    public string? EnrolmentToken { get; set; }

    /// <summary>Whether commands may be arbitrary argument lists (op <c>exec</c>), not only the fixed ops.</summary>
    public bool AllowArbitraryCommands { get; set; }

    /// <summary>Where the runs the API lists and takes pushed journals into are kept (serve's <c>--state-dir</c>, the dashboard's too); null: <see cref="Execution.RunJournal.DefaultStateDirectory"/>.</summary>
    public string? StateDirectory { get; set; }

    /// <summary>The largest agent message; a bigger one closes that connection.</summary>
    public int MaxMessageBytes { get; set; } = 64 * 1024;

    /// <summary>
    /// The most agents connected at once: one more is refused with 503 before the WebSocket
    /// upgrade (with a reason and <c>Retry-After</c>). Null: derived from the process's open-file
    /// limit (<see cref="AgentLimits.FromOpenFileLimit"/>).
    /// </summary>
    public int? MaxAgents { get; set; }

    /// <summary>The most output a command stores (UTF-8 bytes of its lines); past it a marker line says so, and the rest is counted, not stored.</summary>
    public long MaxCommandOutputBytes { get; set; } = 10L * 1024 * 1024;

    /// <summary>
    /// Per agent connection: how many bytes of messages that are stored (output lines, command
    /// progress, facts) the server takes per second; past it (and <see cref="AgentBurstBytes"/>)
    /// it reads that connection more slowly, so the agent waits. 0: no limit.
    /// </summary>
    public long AgentBytesPerSecond { get; set; } = 256 * 1024;

    /// <summary>How many bytes an agent may send at once above <see cref="AgentBytesPerSecond"/> (the token bucket's size).</summary>
    public long AgentBurstBytes { get; set; } = 1024 * 1024;

    /// <summary>Per agent connection: bytes received and not yet stored; past it, the server stops reading that connection until the store catches up.</summary>
    public long AgentReceiveWindowBytes { get; set; } = 256 * 1024;

    /// <summary>Every connection together: bytes received and not yet stored; past it, a connection with anything of its own pending waits.</summary>
    public long StoreQueueBytes { get; set; } = 16L * 1024 * 1024;

    /// <summary>
    /// Per event-stream reader (the API's Server-Sent Events): events waiting to be sent; past it
    /// the reader is dropped and resumes with Last-Event-ID. Keep it above <see cref="MaxBatch"/>
    /// and <see cref="SubscriberQueueBytes"/> above twice <see cref="MaxBatchBytes"/>: the writer
    /// publishes a batch at once, and a reader must be able to take one.
    /// </summary>
    public int SubscriberQueueEvents { get; set; } = 10_000;

    /// <summary>Per event-stream reader: bytes of events waiting to be sent; past it the reader is dropped.</summary>
    public long SubscriberQueueBytes { get; set; } = 4L * 1024 * 1024;

    /// <summary>How long a command waits for an offline host before it expires (state timed-out).</summary>
    public TimeSpan QueueExpiry { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How often the server looks for missed heartbeats, expired and overdue commands.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>A host is offline after this many heartbeat intervals without one.</summary>
    public int MissedHeartbeats { get; set; } = 3;

    /// <summary>How long the agent may take to send its register message.</summary>
    public TimeSpan RegisterTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The most commands the writer puts in one store transaction.</summary>
    public int MaxBatch { get; set; } = 2000;

    /// <summary>The most bytes of agents' messages the writer puts in one store transaction (a batch is published to event streams at once).</summary>
    public long MaxBatchBytes { get; set; } = 1024 * 1024;

    public LogLevel MinimumLogLevel { get; set; } = LogLevel.Information;

    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>
    /// The fleet's inventory (file or directory, as <c>flotilla deploy -f</c> takes): the dashboard
    /// shows each host's tags from it and compares what agents report (system, revision, flake.lock)
    /// with what it builds now. Null: hosts are shown as their agents report them.
    /// </summary>
    public string? Inventory { get; set; }

    /// <summary>
    /// How the runs this server hosts (started from the dashboard) deploy: substituters, the
    /// confirm timeout, the key that signs closures pushed to hosts' caches. The CLI's deploy takes
    /// the same settings as options.
    /// </summary>
    public HostedRunSettings Runs { get; set; } = new();

    /// <summary>How often the dashboard looks for a changed inventory and new run verifications.</summary>
    public TimeSpan TargetRefresh { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The web dashboard on the same address (login, fleet, hosts, runs, audit); null: API only.</summary>
    public Dashboard.DashboardSettings? Dashboard { get; set; }
}
