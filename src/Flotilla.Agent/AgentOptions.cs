namespace Flotilla.Agent;

/// <summary>How <c>flotilla agent</c> runs; mutable, read once at start.</summary>
public sealed class AgentOptions
{
    /// <summary>The server's agent endpoint: <c>ws://HOST:PORT/ws</c> or <c>wss://...</c>.</summary>
    public required Uri Url { get; set; }

    /// <summary>The host token, or the shared enrolment token (read from a file by the CLI, never from argv).</summary>
    public required string Token { get; set; }

    /// <summary>
    /// Where the agent keeps the host token the server gives it when it enrols with the shared
    /// enrolment token (<c>host-token</c>, 0600); it connects with that one from then on. Null:
    /// nowhere, so an enrolled agent could not connect again after it stops.
    /// </summary>
    public string? StateDirectory { get; set; }

    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The flake repository the ops pull, switch and test use, and whose revision is reported;
    /// with <see cref="RepositoryUrl"/>, where the agent keeps its clone.
    /// </summary>
    public string? Repository { get; set; }

    /// <summary>A git URL the agent clones into <see cref="Repository"/> (NixFleet's <c>repoUrl</c>); pull then follows <see cref="Branch"/>.</summary>
    public string? RepositoryUrl { get; set; }

    /// <summary>The branch of <see cref="RepositoryUrl"/> the agent's clone follows.</summary>
    public string Branch { get; set; } = "main";

    /// <summary>The host name the agent reports and switches to (<c>REPO#NAME</c>); null: the machine's name without its domain.</summary>
    public string? Hostname { get; set; }

    /// <summary>This machine's name without its domain (NixFleet's agent reports the same).</summary>
    public static string MachineHostname => Environment.MachineName.Split('.')[0];

    /// <summary>The name the agent reports: <see cref="Hostname"/>, else <see cref="MachineHostname"/>. It must follow <see cref="Contracts.HostNames"/>, as the server checks.</summary>
    public string ReportedHostname => Hostname ?? MachineHostname;

    /// <summary>
    /// The profile whose generation is this host's current system when it is not NixOS's
    /// <c>/run/current-system</c>: a home-manager profile (<c>~/.local/state/nix/profiles/home-manager</c>,
    /// found by itself when the agent runs as the user). Null: NixOS's, else the user's home-manager profile.
    /// </summary>
    public string? SystemProfile { get; set; }

    /// <summary>Tags reported with the host's facts (the dashboard shows and filters on them, beside the inventory's).</summary>
    public IReadOnlyList<string> Tags { get; set; } = [];

    /// <summary>
    /// The file systems the agent watches, with their thresholds (<c>--storage PATH[=WARN,CRIT]</c>);
    /// empty: every mount of a real file system, at 80 % and 90 %.
    /// </summary>
    public IReadOnlyList<Contracts.StorageThreshold> Storage { get; set; } = [];

    /// <summary>
    /// Where the host's backup timers write their results (<c>SERVICE.json</c>; <c>--backup-results</c>):
    /// reported with each heartbeat. Null, or a directory that does not exist: no backups reported.
    /// </summary>
    public string? BackupResults { get; set; } = DefaultBackupResults;

    /// <summary>The NixOS module's default (<c>flotilla.backupTimers.resultsDirectory</c>).</summary>
    public const string DefaultBackupResults = "/var/lib/flotilla/backups";

    /// <summary>How often the agent probes its facts in full even when nothing it watches changed.</summary>
    public TimeSpan FactsRefresh { get; set; } = TimeSpan.FromMinutes(1);

    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The longest output line sent; longer lines are cut (and say so).</summary>
    public int MaxLineLength { get; set; } = 16 * 1024;

    /// <summary>
    /// How many bytes of output the agent keeps until the server acknowledges them; past it, it
    /// stops reading the command's output (so the command waits on its pipe) until the server
    /// has stored more: a server that holds the agent back slows the command, not its memory.
    /// </summary>
    public long MaxUnacknowledgedBytes { get; set; } = 1024 * 1024;

    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}

/// <summary>Why the agent stopped.</summary>
public enum AgentExit
{
    /// <summary>Cancelled (SIGTERM, Ctrl-C).</summary>
    Stopped,
    /// <summary>The restart-agent op: exit so the service manager starts the agent again.</summary>
    RestartRequested,
}
