namespace Flotilla.Dashboard;

/// <summary>The hosts as the control plane sees them. Implemented by the control plane; must be thread safe.</summary>
public interface IFleetSource
{
    ValueTask<IReadOnlyList<HostSummary>> ListHostsAsync(CancellationToken cancellationToken = default);

    ValueTask<HostDetail?> GetHostAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>
    /// First a <see cref="HostChanged"/> for every host as it is now, then changes as they happen
    /// (a host comes online, a heartbeat, a command changes state), until cancelled: with nothing
    /// lost between the two (subscribe, then snapshot; a change in both is harmless). A page that
    /// connects, or reconnects, is therefore complete. A slow subscriber may be given only the
    /// latest state of a host (changes are snapshots, so skipping is safe).
    /// </summary>
    IAsyncEnumerable<FleetChange> WatchAsync(CancellationToken cancellationToken = default);

    /// <summary>What hosts are compared with (the inventory, its revision), for the fleet page; null when nothing is.</summary>
    ValueTask<FleetTargetSummary?> GetTargetAsync(CancellationToken cancellationToken = default) => ValueTask.FromResult<FleetTargetSummary?>(null);
}

/// <summary>The fleet page's line about what hosts are compared with.</summary>
/// <param name="Inventory">The inventory evaluated (null: none; only runs' verifications are known).</param>
/// <param name="Error">Why the last evaluation failed; hosts keep the previous one's values.</param>
public sealed record FleetTargetSummary(string? Inventory, string? Revision, DateTimeOffset? EvaluatedAt, string? Error);

/// <summary>A change the dashboard pushes to browsers.</summary>
public abstract record FleetChange;

public sealed record HostChanged(HostSummary Host) : FleetChange;

public sealed record CommandChanged(CommandRecord Command) : FleetChange;
