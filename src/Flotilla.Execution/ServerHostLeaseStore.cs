using System.Collections.Immutable;

namespace Flotilla.Execution;

/// <summary>
/// The leases of runs that share a control plane (<c>--server</c>): kept in the server's store
/// through its API, so runs started on different machines, and the runs the server hosts, exclude
/// each other. The server checks and takes a lease in one step. Thread safe.
/// </summary>
public sealed class ServerHostLeaseStore(ControlPlaneClient client) : IHostLeaseStore
{
    public string Location => $"the control plane {client.Server}";

    public Task<HostLeaseHolder?> TryTakeAsync(HostLeaseHolder lease, CancellationToken cancellationToken = default) =>
        client.TakeLeaseAsync(lease, cancellationToken);

    public Task<bool> UpdateAsync(HostLeaseHolder lease, CancellationToken cancellationToken = default) =>
        client.UpdateLeaseAsync(lease, cancellationToken);

    /// <summary>Releases it; a server that cannot be reached keeps it until its TTL passes (a release never fails the run).</summary>
    public async Task ReleaseAsync(HostLeaseHolder lease, CancellationToken cancellationToken = default)
    {
        try
        {
            await client.ReleaseLeaseAsync(lease, cancellationToken).ConfigureAwait(false);
        }
        catch (ControlPlaneException)
        {
        }
    }

    public async Task<ImmutableArray<HostLeaseHolder>> ListAsync(CancellationToken cancellationToken = default) =>
        [.. await client.LeasesAsync(cancellationToken).ConfigureAwait(false)];
}

/// <summary>
/// Two lease stores as one: a lease is taken in both or in neither (the first is released when the
/// second refuses), renewed and released in both. The server's runs take theirs in its state
/// directory's file and its database, so they exclude both the CLI's runs on that directory and
/// the runs of every machine that uses the server. Thread safe.
/// </summary>
public sealed class BothHostLeaseStores(IHostLeaseStore first, IHostLeaseStore second) : IHostLeaseStore
{
    public string Location => $"{first.Location} and {second.Location}";

    public async Task<HostLeaseHolder?> TryTakeAsync(HostLeaseHolder lease, CancellationToken cancellationToken = default)
    {
        if (await first.TryTakeAsync(lease, cancellationToken).ConfigureAwait(false) is { } inFirst)
        {
            return inFirst;
        }

        if (await second.TryTakeAsync(lease, cancellationToken).ConfigureAwait(false) is { } inSecond)
        {
            await first.ReleaseAsync(lease, CancellationToken.None).ConfigureAwait(false);
            return inSecond;
        }

        return null;
    }

    public async Task<bool> UpdateAsync(HostLeaseHolder lease, CancellationToken cancellationToken = default) =>
        await first.UpdateAsync(lease, cancellationToken).ConfigureAwait(false) & await second.UpdateAsync(lease, cancellationToken).ConfigureAwait(false);

    public async Task ReleaseAsync(HostLeaseHolder lease, CancellationToken cancellationToken = default)
    {
        await first.ReleaseAsync(lease, cancellationToken).ConfigureAwait(false);
        await second.ReleaseAsync(lease, cancellationToken).ConfigureAwait(false);
    }

    public async Task<ImmutableArray<HostLeaseHolder>> ListAsync(CancellationToken cancellationToken = default) =>
        [.. await first.ListAsync(cancellationToken).ConfigureAwait(false), .. await second.ListAsync(cancellationToken).ConfigureAwait(false)];
}
