using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json.Serialization;
using Flotilla.Execution.Internal;

namespace Flotilla.Execution;

/// <summary>
/// A run's claim on the hosts it changes: who holds it, for which operation and run, on which
/// hosts (or the whole fleet), since when, and until when it counts (its TTL, renewed while the
/// holder runs). Immutable.
/// </summary>
/// <param name="Holder"><c>user@machine (pid N)</c>.</param>
/// <param name="Operation">deploy, rollback, reboot, upgrade.</param>
/// <param name="RunId">The run's journal id, once its journal exists.</param>
/// <param name="Hosts">The hosts the run changes (sorted, by inventory name).</param>
/// <param name="WholeFleet">A maintenance run (reboot, upgrade) holds every host, named or not.</param>
/// <param name="Token">A random id of this lease: renewals and releases touch only the lease with it.</param>
public sealed record HostLeaseHolder(
    string Holder,
    string Operation,
    string? RunId,
    ImmutableArray<string> Hosts,
    bool WholeFleet,
    [property: JsonConverter(typeof(UtcTimeJsonConverter))] DateTimeOffset Acquired,
    [property: JsonConverter(typeof(UtcTimeJsonConverter))] DateTimeOffset Expires,
    string Token)
{
    /// <summary>The holding process, so that a store on the same machine can tell a killed holder at once (null: unknown; the TTL decides).</summary>
    public HolderProcess? Process { get; init; }

    /// <summary>
    /// True when the lease no longer counts at <paramref name="now"/>: it expired (its holder
    /// stopped renewing it), or its holder is a process of this machine that is gone (killed).
    /// </summary>
    public bool IsStale(DateTimeOffset now) => Expires <= now || LocalProcesses.IsGone(Process);

    /// <summary>True when the two leases claim a host in common (a whole-fleet lease claims every host).</summary>
    public bool Overlaps(HostLeaseHolder other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return WholeFleet || other.WholeFleet || Hosts.Intersect(other.Hosts, StringComparer.Ordinal).Any();
    }

    /// <summary>The hosts both leases claim; empty when both claim the whole fleet.</summary>
    public ImmutableArray<string> InCommonWith(HostLeaseHolder other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return WholeFleet && other.WholeFleet ? []
            : WholeFleet ? other.Hosts
            : other.WholeFleet ? Hosts
            : [.. Hosts.Intersect(other.Hosts, StringComparer.Ordinal)];
    }

    /// <summary>The lease as <c>fleet.lock</c> holds it, one object (the server's lease API carries it so).</summary>
    public string ToJson() => System.Text.Json.JsonSerializer.Serialize(this, RunJsonContext.Default.HostLeaseHolder);

    /// <summary>A lease from <see cref="ToJson"/>; throws <see cref="System.Text.Json.JsonException"/> when it is not one.</summary>
    public static HostLeaseHolder FromJson(string json) =>
        System.Text.Json.JsonSerializer.Deserialize(json, RunJsonContext.Default.HostLeaseHolder) is { Token.Length: > 0, Holder: not null, Operation: not null } lease && !lease.Hosts.IsDefault
            ? lease
            : throw new System.Text.Json.JsonException("not a lease: it needs holder, operation, hosts and token");

    internal static string Format(DateTimeOffset instant) => instant.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);
}

/// <summary>A process on a machine: its boot, pid namespace, pid and start time (clock ticks after boot) tell it from a later process with the same pid. Immutable.</summary>
public sealed record HolderProcess(string Machine, string BootId, string PidNamespace, int Pid, long StartTicks);

/// <summary>
/// Where runs keep their leases on hosts: a file in the state directory
/// (<see cref="FileHostLeaseStore"/>) for runs started on one machine, or a server's store for
/// runs that share one. Every method is atomic with respect to the others, across processes.
/// Implementations are thread safe.
/// </summary>
public interface IHostLeaseStore
{
    /// <summary>Where the leases live, for messages: a file's path, a server's address.</summary>
    string Location { get; }

    /// <summary>
    /// Takes <paramref name="lease"/> unless a lease that has not expired overlaps it (expired
    /// leases are dropped on the way). Null: taken. Otherwise the holder in the way.
    /// </summary>
    Task<HostLeaseHolder?> TryTakeAsync(HostLeaseHolder lease, CancellationToken cancellationToken = default);

    /// <summary>Replaces the lease with the same token (a renewal, a run id); false when it is no longer held (it expired and was dropped).</summary>
    Task<bool> UpdateAsync(HostLeaseHolder lease, CancellationToken cancellationToken = default);

    /// <summary>Removes the lease with the same token, if it is still there.</summary>
    Task ReleaseAsync(HostLeaseHolder lease, CancellationToken cancellationToken = default);

    /// <summary>Every lease the store holds, expired or not.</summary>
    Task<ImmutableArray<HostLeaseHolder>> ListAsync(CancellationToken cancellationToken = default);
}
