using System.Text.RegularExpressions;
using Flotilla.Inventory;

namespace Flotilla.Lab.Internal;

/// <summary>A host the lab will make: its name, the inventory host it stands for, its services.</summary>
internal sealed record PlannedHost(string Name, Host? Source, IReadOnlyList<LabService> Services);

/// <summary>
/// Decides the lab's hosts and their services. A service is made for every port the inventory's
/// health checks and services name, so the same checks gate deploys in the lab: an http check
/// gets an HTTP service on the host its URL names (localhost: the host itself), a tcp check a TCP
/// service, a service's other ports TCP services.
/// </summary>
internal static partial class LabPlan
{
    public const int MaxHosts = 250;

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")]
    private static partial Regex HostName();

    [GeneratedRegex("[^A-Za-z0-9._-]")]
    private static partial Regex UnsafeServiceCharacter();

    public static IReadOnlyList<PlannedHost> Make(Fleet? fleet, int hostCount)
    {
        if (fleet is null)
        {
            if (hostCount is < 1 or > MaxHosts)
            {
                throw new LabException($"a lab has 1 to {MaxHosts} hosts, not {hostCount}");
            }

            return [.. Enumerable.Range(1, hostCount).Select(n => new PlannedHost($"host-{n}", null, [new LabService("web", 8080, "http")]))];
        }

        if (fleet.Hosts.Length is < 1 or > MaxHosts)
        {
            throw new LabException($"the inventory {fleet.SourcePath} has {fleet.Hosts.Length} hosts; a lab has 1 to {MaxHosts}");
        }

        var services = new Dictionary<string, List<LabService>>(StringComparer.Ordinal);
        foreach (var host in fleet.Hosts)
        {
            if (!HostName().IsMatch(host.Name))
            {
                throw new LabException($"host \"{host.Name}\" in {fleet.SourcePath} cannot be a lab host: use letters, digits, '.', '_' and '-'");
            }

            services[host.Name] = [];
        }

        foreach (var host in fleet.Hosts)
        {
            foreach (var check in host.HealthChecks)
            {
                AddForCheck(fleet, services, host, check, null);
            }
        }

        foreach (var service in fleet.Services)
        {
            if (fleet.FindHost(service.Host) is not { } owner)
            {
                continue;
            }

            foreach (var check in service.HealthChecks)
            {
                AddForCheck(fleet, services, owner, check, service.Name);
            }

            foreach (var port in service.Ports)
            {
                Add(services[owner.Name], service.Ports.Length == 1 ? service.Name : $"{service.Name}-{port}", port, "tcp");
            }
        }

        return [.. fleet.Hosts.Select(h => new PlannedHost(h.Name, h, services[h.Name]))];
    }

    /// <summary>The fleet host an address or name in a check means, or null for loopback and unknown names.</summary>
    public static Host? Resolve(Fleet fleet, string? address)
    {
        if (string.IsNullOrEmpty(address))
        {
            return null;
        }

        foreach (var host in fleet.Hosts)
        {
            if (host.Name == address || host.Hostname == address || host.Target.Address == address)
            {
                return host;
            }
        }

        return null;
    }

    private static void AddForCheck(Fleet fleet, Dictionary<string, List<LabService>> services, Host owner, HealthCheck check, string? serviceName)
    {
        switch (check.Kind)
        {
            case HealthCheckKind.Http when Uri.TryCreate(check.Url, UriKind.Absolute, out var url):
                var httpHost = Resolve(fleet, url.Host) ?? owner;
                Add(services[httpHost.Name], serviceName ?? $"http-{url.Port}", url.Port, "http");
                break;
            case HealthCheckKind.Tcp when check.Port is { } port:
                var tcpHost = Resolve(fleet, check.Host) ?? owner;
                Add(services[tcpHost.Name], serviceName ?? $"tcp-{port}", port, "tcp");
                break;
            default:
                break;
        }
    }

    private static void Add(List<LabService> services, string name, int port, string kind)
    {
        // Port 22 is the host's sshd, which already answers TCP.
        if (port is < 1 or > 65535 or 22)
        {
            return;
        }

        var existing = services.FindIndex(s => s.Port == port);
        if (existing >= 0)
        {
            if (kind == "http" && services[existing].Kind == "tcp")
            {
                services[existing] = services[existing] with { Kind = "http" };
            }

            return;
        }

        name = UnsafeServiceCharacter().Replace(name, "-");
        if (services.Any(s => s.Name == name))
        {
            name = $"{name}-{port}";
        }

        services.Add(new LabService(name, port, kind));
    }
}
