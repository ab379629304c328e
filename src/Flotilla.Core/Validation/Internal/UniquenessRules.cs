using Flotilla.Inventory;
using Flotilla.Inventory.Internal;

namespace Flotilla.Validation.Internal;

/// <summary>
/// What must be unique: host and service names, hostnames and target addresses among hosts, and
/// the ports the services of one host listen on.
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
    }

    private static void CheckPorts(FleetIndex index, Findings findings)
    {
        var services = index.Fleet.Services;
        var claims = new Dictionary<(int Host, int Port), (int Service, bool Database, string Path)>();
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
                Claim(index, findings, claims, host, service.Ports[p], i, false, service.Origin.Of("ports", p));
            }

            if (service.Database?.Port is { } databasePort)
            {
                Claim(index, findings, claims, host, databasePort, i, true, service.Origin.Of("db") + ".port");
            }
        }
    }

    private static void Claim(
        FleetIndex index,
        Findings findings,
        Dictionary<(int Host, int Port), (int Service, bool Database, string Path)> claims,
        int host,
        int port,
        int service,
        bool database,
        string path)
    {
        if (claims.TryAdd((host, port), (service, database, path)))
        {
            return;
        }

        var other = claims[(host, port)];
        if (other.Service == service || ((database || other.Database) && Needs(index, service, other.Service)))
        {
            // A service's own repeat, or the database of a service it needs (the same database).
            return;
        }

        var services = index.Fleet.Services;
        var owner = services[service];
        findings.Error(owner.Origin, path,
            $"services \"{services[other.Service].Name}\" and \"{owner.Name}\" both use port {port} on host \"{owner.Host}\" (also at {other.Path})",
            "give each service on a host its own port, or move one of them to another host");
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

    private sealed class AddressComparer : IEqualityComparer<(string Address, int Port)>
    {
        public static readonly AddressComparer Instance = new();

        public bool Equals((string Address, int Port) x, (string Address, int Port) y) =>
            x.Port == y.Port && string.Equals(x.Address, y.Address, StringComparison.OrdinalIgnoreCase);

        public int GetHashCode((string Address, int Port) obj) =>
            HashCode.Combine(StringComparer.OrdinalIgnoreCase.GetHashCode(obj.Address), obj.Port);
    }
}
