using System.Collections.Immutable;
using System.Globalization;
using Flotilla.Execution.Internal;

namespace Flotilla.Execution;

/// <summary>What a run asks to hold, for how long, and how long it waits for it. Immutable.</summary>
/// <param name="Operation">deploy, rollback, reboot, upgrade.</param>
/// <param name="Hosts">The hosts the run changes (ignored with <see cref="WholeFleet"/>).</param>
public sealed record HostLeaseRequest(string Operation, ImmutableArray<string> Hosts)
{
    public static readonly TimeSpan DefaultTtl = TimeSpan.FromMinutes(30);

    /// <summary>Every host, named or not: maintenance runs (reboot sequences, upgrades) that must be alone on the fleet.</summary>
    public bool WholeFleet { get; init; }

    /// <summary>The run's journal id, when it exists already (a resumed run).</summary>
    public string? RunId { get; init; }

    /// <summary>The lease counts this long after its holder last renewed it (a killed holder's lease expires after it).</summary>
    public TimeSpan Ttl { get; init; } = DefaultTtl;

    /// <summary>How long to wait for a lease in the way to be released or expire; zero refuses at once.</summary>
    public TimeSpan Wait { get; init; } = TimeSpan.Zero;

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>A lease on every host of the fleet, for a maintenance run.</summary>
    public static HostLeaseRequest ForFleet(string operation) => new(operation, []) { WholeFleet = true };
}

/// <summary>Hosts a run needs are held by another run (and did not come free within the wait).</summary>
public sealed class HostsBusyException : Exception
{
    public HostsBusyException(string message, HostLeaseHolder holder, ImmutableArray<string> inCommon)
        : base(message)
    {
        Holder = holder;
        InCommon = inCommon;
    }

    public HostsBusyException()
        : this("hosts are busy")
    {
    }

    public HostsBusyException(string message)
        : this(message, (Exception?)null)
    {
    }

    public HostsBusyException(string message, Exception? innerException)
        : base(message, innerException)
    {
        Holder = new HostLeaseHolder("", "", null, [], false, default, default, "");
        InCommon = [];
    }

    /// <summary>The lease in the way.</summary>
    public HostLeaseHolder Holder { get; }

    /// <summary>The hosts both runs need; empty when both need the whole fleet.</summary>
    public ImmutableArray<string> InCommon { get; }
}

/// <summary>
/// A lease a run holds on the hosts it changes, taken before it changes any: a second run that
/// needs any of them waits or is refused (<see cref="HostsBusyException"/>, naming this one).
/// While held it is renewed every third of its TTL, so a long run keeps it and a killed one loses
/// it after the TTL at most. Dispose releases it (also after a failure or a cancellation).
/// Thread safe.
/// </summary>
public sealed class HostLease : IAsyncDisposable
{
    private readonly IHostLeaseStore store;
    private readonly TimeSpan ttl;
    private readonly TimeProvider time;
    private readonly SemaphoreSlim updating = new(1, 1);
    private readonly CancellationTokenSource stop = new();
    private readonly Task renewal;
    private HostLeaseHolder holder;
    private int disposed;

    private HostLease(IHostLeaseStore store, HostLeaseHolder holder, TimeSpan ttl, TimeProvider time)
    {
        this.store = store;
        this.holder = holder;
        this.ttl = ttl;
        this.time = time;
        renewal = RenewLoopAsync(stop.Token);
    }

    public HostLeaseHolder Holder => Volatile.Read(ref holder);

    /// <summary>Where the lease is kept (<see cref="IHostLeaseStore.Location"/>).</summary>
    public string Location => store.Location;

    /// <summary>False once a renewal found the lease gone (it expired and another run took it over).</summary>
    public bool Held { get; private set; } = true;

    /// <summary>
    /// Takes the lease, waiting up to <see cref="HostLeaseRequest.Wait"/> (polling) while a lease
    /// that overlaps it has not expired; throws <see cref="HostsBusyException"/> naming that
    /// lease's holder, operation, run, start and the hosts in common when it stays taken.
    /// </summary>
    public static async Task<HostLease> AcquireAsync(IHostLeaseStore store, HostLeaseRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(request.Ttl, TimeSpan.Zero);
        var time = request.TimeProvider;
        var hosts = request.WholeFleet ? [] : request.Hosts.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToImmutableArray();
        var token = Guid.NewGuid().ToString("N");
        var started = time.GetTimestamp();
        while (true)
        {
            var now = time.GetUtcNow();
            var mine = new HostLeaseHolder(HolderName(), request.Operation, request.RunId, hosts, request.WholeFleet, now, now + request.Ttl, token) { Process = LocalProcesses.Current };
            var other = await store.TryTakeAsync(mine, cancellationToken).ConfigureAwait(false);
            if (other is null)
            {
                return new HostLease(store, mine, request.Ttl, time);
            }

            if (time.GetElapsedTime(started) >= request.Wait)
            {
                throw Busy(store, mine, other, request.Wait);
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>True when this lease holds every one of <paramref name="hosts"/> (a run inside another run's lease, such as upgrade's deploys, takes none of its own).</summary>
    public bool Covers(IEnumerable<string> hosts)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        var current = Holder;
        return current.WholeFleet || hosts.All(h => current.Hosts.Contains(h, StringComparer.Ordinal));
    }

    /// <summary>Names the run that now works under the lease (its journal id), so that a refused run can say which.</summary>
    public Task AttachRunAsync(string runId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runId);
        return UpdateAsync(h => h with { RunId = runId }, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 1)
        {
            return;
        }

        await stop.CancelAsync().ConfigureAwait(false);
        await renewal.ConfigureAwait(false);
        stop.Dispose();
        await updating.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            await store.ReleaseAsync(Holder, CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            updating.Release();
            updating.Dispose();
        }
    }

    private static HostsBusyException Busy(IHostLeaseStore store, HostLeaseHolder mine, HostLeaseHolder other, TimeSpan waited)
    {
        var inCommon = mine.InCommonWith(other);
        var what = inCommon.IsEmpty ? "the fleet is" : inCommon.Length == 1 ? $"host {inCommon[0]} is" : $"hosts {string.Join(", ", inCommon)} are";
        var whole = other.WholeFleet && !inCommon.IsEmpty ? " (that run holds the whole fleet)" : "";
        var run = other.RunId is { } id ? $"run {id}" : "its run has no journal yet";
        var wait = waited > TimeSpan.Zero ? $"; waited {waited.TotalSeconds.ToString("0", CultureInfo.InvariantCulture)} s for it" : "";
        return new HostsBusyException(
            $"{what} held by {other.Holder}: {other.Operation} since {HostLeaseHolder.Format(other.Acquired)}, {run}{whole}{wait}. " +
            $"The lease is in {store.Location} and expires at {HostLeaseHolder.Format(other.Expires)} unless renewed: " +
            "wait for that run (--lock-wait 30m), or, if it is gone, let its lease expire (--lock-ttl)" + (store is FileHostLeaseStore ? " or remove the file" : ""),
            other,
            inCommon);
    }

    private async Task UpdateAsync(Func<HostLeaseHolder, HostLeaseHolder> change, CancellationToken cancellationToken)
    {
        await updating.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var next = change(Holder);
            if (await store.UpdateAsync(next, cancellationToken).ConfigureAwait(false))
            {
                Volatile.Write(ref holder, next);
            }
            else
            {
                Held = false;
            }
        }
        finally
        {
            updating.Release();
        }
    }

    private async Task RenewLoopAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(ttl / 3, time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    await UpdateAsync(h => h with { Expires = time.GetUtcNow() + ttl }, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or HttpRequestException or ControlPlaneException)
                {
                    // The next tick tries again; until the TTL passes the lease still counts.
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static string HolderName() => $"{Environment.UserName}@{Environment.MachineName} (pid {Environment.ProcessId})";
}
