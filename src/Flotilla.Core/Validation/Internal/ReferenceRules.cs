using Flotilla.Inventory;
using Flotilla.Inventory.Internal;

namespace Flotilla.Validation.Internal;

/// <summary>
/// Names that must point at something: a service's host, its dependencies and its auth provider,
/// a host's dependencies. Also self-dependencies and core services that need app services
/// (core services deploy first, so they cannot wait for an app).
/// </summary>
internal static class ReferenceRules
{
    public static void Check(FleetIndex index, Findings findings)
    {
        var fleet = index.Fleet;
        foreach (var host in fleet.Hosts)
        {
            for (var i = 0; i < host.DependsOn.Length; i++)
            {
                var name = host.DependsOn[i];
                if (name == host.Name)
                {
                    findings.Error(host.Origin, host.Origin.Of("dependsOn", i), $"host \"{host.Name}\" depends on itself", "remove it from its own dependencies");
                }
                else if (!index.HostByName.ContainsKey(name))
                {
                    findings.Error(host.Origin, host.Origin.Of("dependsOn", i), $"host \"{host.Name}\" depends on \"{name}\", which is not a host",
                        findings.DidYouMean(name, index.HostByName.Keys.Where(n => n != host.Name), "name one of the fleet's hosts or remove the dependency"));
                }
            }
        }

        foreach (var service in fleet.Services)
        {
            if (!index.HostByName.ContainsKey(service.Host))
            {
                findings.Error(service.Origin, service.Origin.Of("host"), $"service \"{service.Name}\" runs on \"{service.Host}\", which is not a host",
                    findings.DidYouMean(service.Host, index.HostByName.Keys, "set host to one of the fleet's hosts"));
            }

            for (var i = 0; i < service.DependsOn.Length; i++)
            {
                CheckNeed(index, findings, service, service.DependsOn[i], i, "depends on");
            }

            if (service.Auth?.Provider is { } provider)
            {
                CheckNeed(index, findings, service, provider, -1, "authenticates with");
            }
        }
    }

    /// <summary>Checks one name a service needs: <c>dependsOn[at]</c>, or <c>auth.provider</c> when <paramref name="at"/> is negative.</summary>
    private static void CheckNeed(FleetIndex index, Findings findings, Service service, string name, int at, string verb)
    {
        // Paths are built only for findings: most names are fine.
        string Path() => at >= 0 ? service.Origin.Of("dependsOn", at) : service.Origin.Of("auth.provider");

        if (name == service.Name)
        {
            findings.Error(service.Origin, Path(), $"service \"{service.Name}\" {verb} itself", "remove the reference to itself");
            return;
        }

        if (!index.ServiceByName.TryGetValue(name, out var needed))
        {
            findings.Error(service.Origin, Path(), $"service \"{service.Name}\" {verb} \"{name}\", which is not a service",
                findings.DidYouMean(name, index.ServiceByName.Keys.Where(n => n != service.Name), "name one of the fleet's services or remove the reference"));
            return;
        }

        if (service.Tier == ServiceTier.Core && index.Fleet.Services[needed].Tier == ServiceTier.App)
        {
            findings.Error(service.Origin, Path(), $"core service \"{service.Name}\" {verb} app service \"{name}\"",
                $"core services deploy before apps: make \"{name}\" a core service, make \"{service.Name}\" an app, or drop the dependency");
        }
    }
}
