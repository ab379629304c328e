using Flotilla.Contracts;
using Flotilla.ControlPlane.Auth;
using Flotilla.ControlPlane.Internal;
using Flotilla.ControlPlane.Store;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Flotilla.ControlPlane.Endpoints;

internal static class HostsEndpoints
{
    public static IEndpointRouteBuilder MapHostsApi(this IEndpointRouteBuilder app)
    {
        var hosts = app.MapGroup("/api/hosts").RequireAuthorization(ApiAuthentication.Policy);
        hosts.MapGet("/", async Task<Ok<IReadOnlyList<HostView>>> (IControlPlaneStore store, FleetState fleet, TimeProvider time, CancellationToken cancellationToken) =>
        {
            var stored = await store.ListHostsAsync(cancellationToken).ConfigureAwait(false);
            var now = time.GetUtcNow();
            IReadOnlyList<HostView> views = [.. stored.Select(h => View(h, fleet, now))];
            return TypedResults.Ok(views);
        });
        return app;
    }

    /// <summary>A host as the API shows it: its stored record, with what its connected agent said last.</summary>
    internal static HostView View(HostRecord host, FleetState fleet, DateTimeOffset now)
    {
        if (!fleet.Hosts.TryGetValue(host.Name, out var presence))
        {
            return new HostView(host.Name, "offline", host.LastSeen, host.Facts, host.Metrics);
        }

        lock (presence.Gate)
        {
            return new HostView(host.Name, presence.Online ? "online" : "offline", presence.LastSeen ?? host.LastSeen, presence.Facts ?? host.Facts, presence.Metrics ?? host.Metrics)
            {
                Containers = presence.Online ? presence.Containers : null,
                Storage = presence.Online ? presence.Storage : null,
                StorageAlerts = presence.Online ? StorageAlert.Of(presence.Storage) : null,
                Backups = presence.Online ? BackupView.Of(presence.Backups, now) : null,
            };
        }
    }
}
