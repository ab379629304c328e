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

    /// <summary>The largest agent message; a bigger one closes that connection.</summary>
    public int MaxMessageBytes { get; set; } = 64 * 1024;

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

    public LogLevel MinimumLogLevel { get; set; } = LogLevel.Information;

    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>
    /// The fleet's inventory (file or directory, as <c>flotilla deploy -f</c> takes): the dashboard
    /// shows each host's tags from it and compares what agents report (system, revision, flake.lock)
    /// with what it builds now. Null: hosts are shown as their agents report them.
    /// </summary>
    public string? Inventory { get; set; }

    /// <summary>How often the dashboard looks for a changed inventory and new run verifications.</summary>
    public TimeSpan TargetRefresh { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The web dashboard on the same address (login, fleet, hosts, runs, audit); null: API only.</summary>
    public Dashboard.DashboardSettings? Dashboard { get; set; }
}
