using System.Collections.Immutable;
using System.Text.Json;
using Flotilla.ControlPlane.Store;
using Flotilla.Execution;

namespace Flotilla.ControlPlane.Runs;

/// <summary>
/// Runs' leases on hosts in the server's database: those of the runs it hosts and of every
/// <c>--server</c> run (through <c>/api/leases</c>), so runs started anywhere on one fleet exclude
/// each other. One server owns its database: a take checks and writes under one lock, so two
/// overlapping leases are never both taken. Leases that have expired (their holder stopped
/// renewing) are dropped on the way, as the lease file drops them. Thread safe.
/// </summary>
internal sealed class StoreHostLeases(IControlPlaneStore store, ControlPlaneOptions options) : IHostLeaseStore, IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    public string Location => "the server's database";

    public async Task<HostLeaseHolder?> TryTakeAsync(HostLeaseHolder lease, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var now = options.TimeProvider.GetUtcNow();
            foreach (var (token, held) in await ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                if (held is null || held.IsStale(now))
                {
                    await store.DeleteHostLeaseAsync(token, cancellationToken).ConfigureAwait(false);
                }
                else if (held.Token != lease.Token && held.Overlaps(lease))
                {
                    return held;
                }
            }

            await store.SaveHostLeaseAsync(lease.Token, lease.ToJson(), cancellationToken).ConfigureAwait(false);
            return null;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<bool> UpdateAsync(HostLeaseHolder lease, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await store.UpdateHostLeaseAsync(lease.Token, lease.ToJson(), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task ReleaseAsync(HostLeaseHolder lease, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await store.DeleteHostLeaseAsync(lease.Token, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<ImmutableArray<HostLeaseHolder>> ListAsync(CancellationToken cancellationToken = default) =>
        [.. (await ReadAsync(cancellationToken).ConfigureAwait(false)).Select(l => l.Lease).OfType<HostLeaseHolder>()];

    public void Dispose() => _gate.Dispose();

    /// <summary>Every stored lease by token; null where the stored text is not a lease (it is dropped on the next take).</summary>
    private async Task<List<(string Token, HostLeaseHolder? Lease)>> ReadAsync(CancellationToken cancellationToken)
    {
        var leases = new List<(string, HostLeaseHolder?)>();
        foreach (var (token, json) in await store.ListHostLeasesAsync(cancellationToken).ConfigureAwait(false))
        {
            HostLeaseHolder? lease;
            try
            {
                lease = HostLeaseHolder.FromJson(json);
            }
            catch (JsonException)
            {
                lease = null;
            }

            leases.Add((token, lease));
        }

        return leases;
    }
}
