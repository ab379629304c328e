using System.Collections.Immutable;
using Flotilla.Inventory.Internal;

namespace Flotilla.Inventory;

/// <summary>
/// What each service's dependencies name in its fleet: <c>dependsOn</c> and auth providers by
/// service name, databases' <c>host</c> by service, host, hostname or address. Stateless and
/// thread safe.
/// </summary>
public static class FleetDependencies
{
    /// <summary>
    /// For each service (by name; the first of a repeated name) the services it needs, each with
    /// the dependency that names it. A name that matches no service, a database on the service's
    /// own host or outside the fleet, and a reference to itself are left out.
    /// </summary>
    public static ImmutableDictionary<string, ImmutableArray<(string Service, ServiceDependency Dependency)>> Resolve(Fleet fleet)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        var index = FleetIndex.Build(fleet);
        var result = ImmutableDictionary.CreateBuilder<string, ImmutableArray<(string, ServiceDependency)>>(StringComparer.Ordinal);
        for (var i = 0; i < fleet.Services.Length; i++)
        {
            if (result.ContainsKey(fleet.Services[i].Name))
            {
                continue;
            }

            result[fleet.Services[i].Name] = [.. index.Dependencies[i]
                .Where(d => d.State == Resolution.Service)
                .Select(d => (fleet.Services[d.Service].Name, d.Dependency))];
        }

        return result.ToImmutable();
    }
}
