using Flotilla.Inventory;
using Flotilla.Inventory.Internal;

namespace Flotilla.Validation.Internal;

/// <summary>
/// What must be unique: host and service names, hostnames and target addresses among hosts, the
/// ports the services and containers of one host listen on, and the sites proxy entries serve.
/// </summary>
internal static class UniquenessRules
{
    public static void Check(FleetIndex index, Findings findings)
    {
        var fleet = index.Fleet;
        var hostnames = new Dictionary<string, int>(fleet.Hosts.Length, StringComparer.OrdinalIgnoreCase);
        var addresses = new Dictionary<(string Address, int Port), int>(fleet.Hosts.Length, AddressComparer.Instance);
        for (var i = 0; i < fleet.Hosts.Length; i++)
        {
            var host = fleet.Hosts[i];
            if (index.HostByName[host.Name] != i)
            {
                var first = fleet.Hosts[index.HostByName[host.Name]];
                findings.Error(host.Origin, host.Origin.Path, $"host \"{host.Name}\" is defined twice (first at {Where(first.Origin)})", "rename or remove one of them");
                continue;
            }

            var sameHostname = !hostnames.TryAdd(host.Hostname, i);
            if (sameHostname)
            {
                var other = fleet.Hosts[hostnames[host.Hostname]];
                findings.Error(host.Origin, host.Origin.Of("hostname"),
                    $"host \"{host.Name}\" has hostname \"{host.Hostname}\", which host \"{other.Name}\" has too (at {other.Origin.Of("hostname")})",
                    "give every host its own hostname");
            }

            // A home-manager host lives on a machine that is often another host of the fleet. An
            // address that is the hostname just reported is that same duplicate: said once.
            var addressIsHostname = sameHostname && string.Equals(host.Target.Address, host.Hostname, StringComparison.OrdinalIgnoreCase);
            if (host.Platform != Platform.HomeManager && !addressIsHostname && !addresses.TryAdd((host.Target.Address, host.Target.Port), i))
            {
                var other = fleet.Hosts[addresses[(host.Target.Address, host.Target.Port)]];
                findings.Error(host.Origin, AddressPath(host.Origin),
                    $"host \"{host.Name}\" has address {host.Target.Address}, which host \"{other.Name}\" has too (at {AddressPath(other.Origin)})",
                    "give every host its own address, or remove the duplicate host");
            }
        }

        for (var i = 0; i < fleet.Services.Length; i++)
        {
            var service = fleet.Services[i];
            if (index.ServiceByName[service.Name] != i)
            {
                var first = fleet.Services[index.ServiceByName[service.Name]];
                findings.Error(service.Origin, service.Origin.Path, $"service \"{service.Name}\" is defined twice (first at {Where(first.Origin)})", "rename or remove one of them");
            }
        }

        CheckPorts(index, findings);
        CheckProxies(fleet, findings);
    }

    /// <summary>What claims a port on a host: a service's <c>ports</c>, a database it serves itself, or a container's published port.</summary>
    private enum ClaimKind
    {
        Service,
        Database,
        Container,
    }

    private readonly record struct Claim(int Service, ClaimKind Kind, string Path);

    /// <summary>
    /// Ports on one host: what services list, databases without a <c>host</c> (served on the
    /// service's own host), and what containers publish (per protocol; a service's port counts
    /// for TCP and UDP). A database and a service that needs the other share a port (it is the
    /// same server).
    /// </summary>
    private static void CheckPorts(FleetIndex index, Findings findings)
    {
        var services = index.Fleet.Services;
        var claims = new Dictionary<(int Host, int Port, bool Udp), Claim>();
        for (var i = 0; i < services.Length; i++)
        {
            var host = index.ServiceHost[i];
            if (host < 0)
            {
                continue;
            }

            var service = services[i];
            for (var p = 0; p < service.Ports.Length; p++)
            {
                ClaimBoth(index, findings, claims, host, service.Ports[p], new Claim(i, ClaimKind.Service, service.Origin.Of("ports", p)));
            }

            foreach (var database in service.Databases)
            {
                if (database.Port is { } databasePort && database.Host is null or "localhost" or "127.0.0.1" or "::1")
                {
                    ClaimBoth(index, findings, claims, host, databasePort, new Claim(i, ClaimKind.Database, database.SourcePath + ".port"));
                }
            }

            if (service.Container is { } container)
            {
                for (var p = 0; p < container.Ports.Length; p++)
                {
                    var path = SourcePath.Index(container.SourcePath + ".ports", p);
                    if (!PortMapping.TryParse(container.Ports[p], out var mapping))
                    {
                        findings.Error(service.Origin, path, $"cannot read the port mapping \"{container.Ports[p]}\"",
                            "write it as podman does: [[IP:]HOST-PORT:]CONTAINER-PORT[/tcp|udp], ports from 1 to 65535, ranges as 8000-8010");
                        continue;
                    }

                    for (var port = mapping.HostFirst; port <= mapping.HostLast && mapping.HostFirst > 0; port++)
                    {
                        TryClaim(index, findings, claims, (host, port, mapping.Udp), new Claim(i, ClaimKind.Container, path));
                    }
                }
            }
        }
    }

    private static void ClaimBoth(FleetIndex index, Findings findings, Dictionary<(int Host, int Port, bool Udp), Claim> claims, int host, int port, Claim claim)
    {
        // A clash over TCP is reported once, not again for its UDP twin.
        if (TryClaim(index, findings, claims, (host, port, false), claim))
        {
            TryClaim(index, findings, claims, (host, port, true), claim);
        }
    }

    /// <summary>Claims a port; false (and reported) when another service or container holds it.</summary>
    private static bool TryClaim(FleetIndex index, Findings findings, Dictionary<(int Host, int Port, bool Udp), Claim> claims, (int Host, int Port, bool Udp) key, Claim claim)
    {
        if (claims.TryAdd(key, claim))
        {
            return true;
        }

        var other = claims[key];
        if ((other.Service == claim.Service && (other.Kind != ClaimKind.Container || claim.Kind != ClaimKind.Container || other.Path == claim.Path))
            || ((claim.Kind == ClaimKind.Database || other.Kind == ClaimKind.Database) && Needs(index, claim.Service, other.Service)))
        {
            // A service's own repeat (its container publishing the port it lists, say), or the
            // database of a service it needs (the same database).
            return true;
        }

        {
            var services = index.Fleet.Services;
            var owner = services[claim.Service];
            var port = key.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var message = (other.Kind, claim.Kind) switch
            {
                (ClaimKind.Container, ClaimKind.Container) when other.Service == claim.Service =>
                    $"the container of service \"{owner.Name}\" publishes port {port} twice on host \"{owner.Host}\" (also at {other.Path})",
                (ClaimKind.Container, ClaimKind.Container) =>
                    $"the containers of services \"{services[other.Service].Name}\" and \"{owner.Name}\" both publish port {port} on host \"{owner.Host}\" (also at {other.Path})",
                (ClaimKind.Container, _) or (_, ClaimKind.Container) =>
                    $"port {port} on host \"{owner.Host}\" is published by the container of service \"{(other.Kind == ClaimKind.Container ? services[other.Service] : owner).Name}\" and used by service \"{(other.Kind == ClaimKind.Container ? owner : services[other.Service]).Name}\" (also at {other.Path})",
                _ => $"services \"{services[other.Service].Name}\" and \"{owner.Name}\" both use port {port} on host \"{owner.Host}\" (also at {other.Path})",
            };
            findings.Error(owner.Origin, claim.Path, message, "give each service and container on a host its own port, or move one of them to another host");
        }

        return false;
    }

    /// <summary>Two proxy entries of the fleet serving the same domain and path: the proxy cannot route both.</summary>
    private static void CheckProxies(Fleet fleet, Findings findings)
    {
        var sites = new Dictionary<(string Domain, string Path), (Service Service, ProxySpec Proxy)>(SiteComparer.Instance);
        foreach (var service in fleet.Services)
        {
            foreach (var proxy in service.Proxies)
            {
                if (proxy.Domain.Length == 0)
                {
                    continue;
                }

                if (!sites.TryAdd((proxy.Domain, proxy.Path), (service, proxy)))
                {
                    var other = sites[(proxy.Domain, proxy.Path)];
                    findings.Error(service.Origin, proxy.SourcePath + ".domain",
                        $"{proxy.Domain}{proxy.Path} is proxied twice: here and at {other.Proxy.SourcePath} (service \"{other.Service.Name}\")",
                        "give each proxy entry its own domain or path");
                }
            }
        }
    }

    private static bool Needs(FleetIndex index, int service, int other)
    {
        foreach (var needed in index.ServiceGraph.Successors(service))
        {
            if (needed == other)
            {
                return true;
            }
        }

        foreach (var needed in index.ServiceGraph.Successors(other))
        {
            if (needed == service)
            {
                return true;
            }
        }

        return false;
    }

    private static string Where(Origin origin) => origin.File.Length > 0 && origin.Path.Length > 0 ? origin.Path : origin.File;

    private static string AddressPath(Origin origin) => origin.FieldNames.ContainsKey("address") ? origin.Of("address") : origin.Of("target");

    private sealed class SiteComparer : IEqualityComparer<(string Domain, string Path)>
    {
        public static readonly SiteComparer Instance = new();

        public bool Equals((string Domain, string Path) x, (string Domain, string Path) y) =>
            string.Equals(x.Domain, y.Domain, StringComparison.OrdinalIgnoreCase) && string.Equals(x.Path, y.Path, StringComparison.Ordinal);

        public int GetHashCode((string Domain, string Path) obj) =>
            HashCode.Combine(StringComparer.OrdinalIgnoreCase.GetHashCode(obj.Domain), StringComparer.Ordinal.GetHashCode(obj.Path));
    }

    private sealed class AddressComparer : IEqualityComparer<(string Address, int Port)>
    {
        public static readonly AddressComparer Instance = new();

        public bool Equals((string Address, int Port) x, (string Address, int Port) y) =>
            x.Port == y.Port && string.Equals(x.Address, y.Address, StringComparison.OrdinalIgnoreCase);

        public int GetHashCode((string Address, int Port) obj) =>
            HashCode.Combine(StringComparer.OrdinalIgnoreCase.GetHashCode(obj.Address), obj.Port);
    }
}
