namespace Flotilla.Contracts;

/// <summary>What an agent reports about its host; every field but the hostname may be unknown (null).</summary>
/// <param name="LockHash">The SHA-256 (hex) of the repository's flake.lock, compared with the fleet's.</param>
/// <param name="NeedsReboot">The booted system's kernel, initrd or kernel modules differ from the current one's, or a new system waits for the next boot (null: unknown).</param>
/// <param name="PendingSystem">A NixOS host's boot default when it is not the system it runs (a deploy with strategy recreate, <c>nixos-rebuild boot</c>): it starts at the next boot.</param>
/// <param name="Tags">Tags the host's agent was given (<c>--tag</c>), shown and filtered on beside the inventory's.</param>
public sealed record HostFacts(
    string Hostname,
    string Platform,
    string AgentVersion,
    string? OsVersion = null,
    string? NixpkgsVersion = null,
    string? CurrentSystem = null,
    string? BootedSystem = null,
    int? Generation = null,
    string? Repo = null,
    string? FlakeRevision = null,
    string? LockHash = null,
    IReadOnlyList<string>? Tags = null,
    bool? NeedsReboot = null,
    string? PendingSystem = null);

/// <summary>
/// A heartbeat's load figures (bytes; percentages 0-100; load averages as the kernel gives them).
/// The wire, the store and the API carry the figures the agent measured; the percentages derived
/// from them are get-only properties, left out there (their JSON contexts ignore read-only
/// properties) and sent to the dashboard's pages, which show them.
/// </summary>
public sealed record HostMetrics(
    double CpuPercent,
    long MemoryTotalBytes,
    long MemoryUsedBytes,
    long SwapTotalBytes,
    long SwapUsedBytes,
    double Load1,
    double Load5,
    double Load15,
    long DiskTotalBytes,
    long DiskUsedBytes)
{
    /// <summary>Memory in use, 0-100 to one decimal; null when the total is not known.</summary>
    public double? RamPercent => Percent(MemoryUsedBytes, MemoryTotalBytes);

    /// <summary>Swap in use, 0-100 to one decimal; null when the host has none.</summary>
    public double? SwapPercent => Percent(SwapUsedBytes, SwapTotalBytes);

    /// <summary>The root file system's use, 0-100 to one decimal; null when its size is not known.</summary>
    public double? DiskPercent => Percent(DiskUsedBytes, DiskTotalBytes);

    private static double? Percent(long used, long total) => total <= 0 ? null : Math.Round(100.0 * used / total, 1);
}
