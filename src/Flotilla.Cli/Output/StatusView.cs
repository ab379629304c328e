namespace Flotilla.Cli.Output;

/// <summary>
/// One host as <c>flotilla status --json</c> prints it. <see cref="Current"/> is false when the
/// host runs another closure than the inventory builds now, or when that could not be told
/// (<see cref="Compared"/> false: an inventory without a flake, or the host was not reachable;
/// <see cref="SystemProblem"/> says why when the inventory builds nothing for the host).
/// </summary>
internal sealed record StatusView(
    string Host,
    int? Generation,
    bool Current,
    bool Compared,
    bool NeedsReboot,
    bool Healthy,
    string? Health,
    string? System,
    string? BootedSystem,
    string? Error,
    string? SystemProblem = null)
{
    /// <summary>Why a reboot is needed (a new system waiting for the next boot, or changed kernel files); null when none is.</summary>
    public string? RebootReason { get; init; }

    /// <summary>The boot default when it is not the running system (a new system waiting for a reboot).</summary>
    public string? PendingSystem { get; init; }
}

/// <summary>
/// One file system of <c>flotilla status --storage --json</c> (percentages of space and inodes
/// used; <c>state</c> ok, warning or critical, and its reason), or a host that could not be read
/// (<c>state</c> error, the reason why; the rest null).
/// </summary>
internal sealed record StorageView(string Host, string? Path, long? TotalBytes, long? UsedBytes, double? UsedPercent, double? InodesPercent, string? State, string? Reason);
