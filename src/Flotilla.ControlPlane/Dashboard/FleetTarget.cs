using System.Collections.Immutable;

namespace Flotilla.ControlPlane.Dashboard;

/// <summary>
/// What the fleet should be, as the server last worked it out: from the inventory
/// (<see cref="ControlPlaneOptions.Inventory"/>) each host's tags and the system its configuration
/// builds now, the repository's revision and the hash of its flake.lock; from the run journals
/// each host's latest health verification. The drift compartments compare agents' facts with it.
/// Immutable; <see cref="Empty"/> before anything is known.
/// </summary>
/// <param name="Inventory">The inventory compared with; null when the server was given none.</param>
/// <param name="EvaluatedAt">When the inventory was last evaluated (null: never, or no inventory).</param>
/// <param name="Revision">The git revision of the inventory's repository (null: not a git repository).</param>
/// <param name="LockHash">SHA-256 (hex) of the fleet flake's flake.lock (null: none).</param>
/// <param name="Error">Why the last evaluation failed (the hosts keep the previous one's values).</param>
internal sealed record FleetTarget(
    string? Inventory,
    DateTimeOffset? EvaluatedAt,
    string? Revision,
    string? LockHash,
    ImmutableDictionary<string, HostTarget> Hosts,
    ImmutableDictionary<string, HostVerification> Verifications,
    string? Error)
{
    public static FleetTarget Empty { get; } = new(null, null, null, null, ImmutableDictionary<string, HostTarget>.Empty, ImmutableDictionary<string, HostVerification>.Empty, null);
}

/// <summary>One inventory host: its tags, and the store path its configuration builds now (null: the inventory cannot build it).</summary>
internal sealed record HostTarget(ImmutableArray<string> Tags, string? SystemPath);

/// <summary>The latest health verification of a host by a deploy or reboot run.</summary>
/// <param name="Passed">Its health checks passed (false: they failed, and the host may have been rolled back).</param>
internal sealed record HostVerification(bool Passed, string RunId, DateTimeOffset At, string? Message);
