using Flotilla.Inventory;
using Flotilla.Inventory.Internal;

namespace Flotilla.Validation.Internal;

/// <summary>
/// Names that must point at something: a service's host, its <c>dependsOn</c>, its auth
/// providers (a provider may be the service itself) and its databases' hosts (a host outside the
/// fleet is allowed), a host's dependencies. Also self-dependencies and core services that need
/// app services (core services deploy and are configured first, so they cannot wait for an app).
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

        for (var i = 0; i < fleet.Services.Length; i++)
        {
            var service = fleet.Services[i];
            if (!index.HostByName.ContainsKey(service.Host))
            {
                findings.Error(service.Origin, service.Origin.Of("host"), $"service \"{service.Name}\" runs on \"{service.Host}\", which is not a host",
                    findings.DidYouMean(service.Host, index.HostByName.Keys, "set host to one of the fleet's hosts"));
            }

            foreach (var resolved in index.Dependencies[i])
            {
                CheckNeed(index, findings, service, resolved);
            }
        }
    }

    /// <summary>Checks one reference of a service: it names something, and a core service never waits for an app.</summary>
    private static void CheckNeed(FleetIndex index, Findings findings, Service service, ResolvedDependency resolved)
    {
        var dependency = resolved.Dependency;
        var name = dependency.Target;
        var verb = dependency.Source switch
        {
            DependencySource.DependsOn => "depends on",
            DependencySource.DatabaseHost => "keeps its database on",
            _ => "authenticates with",
        };
        switch (resolved.State)
        {
            case Resolution.Self when dependency.Source == DependencySource.DependsOn:
                findings.Error(service.Origin, dependency.Path, $"service \"{service.Name}\" {verb} itself", "remove the reference to itself");
                return;
            case Resolution.Unknown:
                findings.Error(service.Origin, dependency.Path, $"service \"{service.Name}\" {verb} \"{name}\", which is not a service",
                    findings.DidYouMean(name, index.ServiceByName.Keys.Where(n => n != service.Name), "name one of the fleet's services or remove the reference"));
                return;
            case Resolution.Ambiguous:
                findings.Warning(service.Origin, dependency.Path, $"service \"{service.Name}\" keeps its database on \"{name}\", whose host runs several services, and none of them lists the database's port",
                    "add the database's port to the ports of the service that serves it, or name that service in depends_on");
                return;
            case Resolution.Service:
                break;
            default:
                // Itself (a provider that authenticates its own users), its own host, or outside the fleet.
                return;
        }

        var needed = index.Fleet.Services[resolved.Service];
        if (service.Tier == ServiceTier.Core && needed.Tier == ServiceTier.App)
        {
            var what = dependency.Kind == DependencyKind.Activation ? "core services deploy before apps" : "core services are configured before apps deploy";
            var label = dependency.Source == DependencySource.DependsOn ? "" : $" ({dependency.Label(service.Origin)})";
            findings.Error(service.Origin, dependency.Path, $"core service \"{service.Name}\" {verb} app service \"{needed.Name}\"{label}",
                $"{what}: make \"{needed.Name}\" a core service, make \"{service.Name}\" an app, or drop the reference");
        }
    }
}
