using System.Runtime.CompilerServices;
using Flotilla.ControlPlane.Events;
using Flotilla.ControlPlane.Internal;
using Flotilla.ControlPlane.Store;
using Flotilla.Dashboard;
using Ui = Flotilla.Dashboard;

namespace Flotilla.ControlPlane.Dashboard;

/// <summary>
/// The dashboard's fleet: hosts from the store with their presence from the hub (online, last
/// heartbeat, figures), and changes from the control plane's in-process events; heartbeats,
/// which raise no event, are picked up by a short poll of the in-memory presence. A watcher first
/// gets every host as it is now.
/// </summary>
internal sealed class ControlPlaneFleetSource(IControlPlaneStore store, FleetState fleet, ControlPlaneEvents events, FleetTargetTracker target) : IFleetSource
{
    /// <summary>How often <see cref="WatchAsync"/> looks for new heartbeats (figures on the fleet page).</summary>
    internal static TimeSpan HeartbeatPoll { get; set; } = TimeSpan.FromSeconds(2);

    public async ValueTask<IReadOnlyList<HostSummary>> ListHostsAsync(CancellationToken cancellationToken = default)
    {
        var stored = await store.ListHostsAsync(cancellationToken).ConfigureAwait(false);
        return [.. stored.Select(h => DashboardMapping.Summary(fleet.Hosts.GetValueOrDefault(h.Name), h, h.Name, target.Current))];
    }

    public async ValueTask<HostDetail?> GetHostAsync(string name, CancellationToken cancellationToken = default)
    {
        var stored = (await store.ListHostsAsync(cancellationToken).ConfigureAwait(false)).FirstOrDefault(h => h.Name == name);
        if (stored is null)
        {
            return null;
        }

        var presence = fleet.Hosts.GetValueOrDefault(name);
        var summary = DashboardMapping.Summary(presence, stored, name, target.Current);
        Contracts.HostFacts? facts;
        if (presence is null)
        {
            facts = stored.Facts;
        }
        else
        {
            lock (presence.Gate)
            {
                facts = presence.Facts ?? stored.Facts;
            }
        }

        return new HostDetail(summary, DashboardMapping.Facts(stored, facts, target.Current.Hosts.GetValueOrDefault(name)));
    }

    public ValueTask<FleetTargetSummary?> GetTargetAsync(CancellationToken cancellationToken = default)
    {
        var current = target.Current;
        return ValueTask.FromResult<FleetTargetSummary?>(current.Inventory is null && current.Verifications.IsEmpty
            ? null
            : new FleetTargetSummary(current.Inventory, current.Revision, current.EvaluatedAt, current.Error));
    }

    public async IAsyncEnumerable<FleetChange> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // Subscribe, then snapshot: a change in between is in both, which is harmless.
        using var subscription = events.Subscribe(new SubscriptionOptions { Capacity = 10_000, Filter = e => e is not CommandOutput });
        var reader = subscription.Reader;
        var lastSeen = Snapshot();
        foreach (var host in await ListHostsAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return new HostChanged(host);
        }
        while (!cancellationToken.IsCancellationRequested)
        {
            using (var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                wait.CancelAfter(HeartbeatPoll);
                try
                {
                    await reader.WaitToReadAsync(wait.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                }
            }

            while (reader.TryRead(out var @event))
            {
                switch (@event)
                {
                    case HostStatusChanged status:
                        yield return new HostChanged(await SummaryAsync(status.Host, cancellationToken).ConfigureAwait(false));
                        break;
                    case FleetTargetChanged:
                        foreach (var host in await ListHostsAsync(cancellationToken).ConfigureAwait(false))
                        {
                            yield return new HostChanged(host);
                        }

                        break;
                    case Events.CommandChanged changed when await store.GetCommandAsync(changed.CommandId, cancellationToken).ConfigureAwait(false) is { } command:
                        yield return new Ui.CommandChanged(command);
                        break;
                    default:
                        break;
                }
            }

            // Heartbeats: hosts whose last heartbeat moved since the last look.
            var now = Snapshot();
            foreach (var (name, seen) in now)
            {
                if (!lastSeen.TryGetValue(name, out var before) || before != seen)
                {
                    yield return new HostChanged(DashboardMapping.Summary(fleet.Hosts.GetValueOrDefault(name), null, name, target.Current));
                }
            }

            lastSeen = now;
        }
    }

    private Dictionary<string, DateTimeOffset?> Snapshot()
    {
        var snapshot = new Dictionary<string, DateTimeOffset?>(StringComparer.Ordinal);
        foreach (var presence in fleet.Hosts.Values)
        {
            lock (presence.Gate)
            {
                if (presence.Online)
                {
                    snapshot[presence.Name] = presence.LastSeen;
                }
            }
        }

        return snapshot;
    }

    private async Task<HostSummary> SummaryAsync(string name, CancellationToken cancellationToken)
    {
        var presence = fleet.Hosts.GetValueOrDefault(name);
        HostRecord? stored = null;
        bool needStore;
        if (presence is null)
        {
            needStore = true;
        }
        else
        {
            lock (presence.Gate)
            {
                needStore = presence.Facts is null || presence.LastSeen is null;
            }
        }

        if (needStore)
        {
            stored = (await store.ListHostsAsync(cancellationToken).ConfigureAwait(false)).FirstOrDefault(h => h.Name == name);
        }

        return DashboardMapping.Summary(presence, stored, name, target.Current);
    }
}
