using System.Text.RegularExpressions;
using Flotilla.Execution;
using Flotilla.Inventory;

namespace Flotilla.Lab.Internal;

/// <summary>A host the lab will make: its name, the inventory host it stands for, its services.</summary>
internal sealed record PlannedHost(string Name, Host? Source, IReadOnlyList<LabService> Services)
{
    /// <summary>The platform the inventory gives the host: the lab host is made to be activated the same way.</summary>
    public string Platform => Source?.Platform switch
    {
        Inventory.Platform.Darwin => "darwin",
        Inventory.Platform.HomeManager => "home-manager",
        _ => "nixos",
    };

    /// <summary>Who logs in: a home-manager host's user (the inventory's), else root.</summary>
    public string User => Source is { Platform: Inventory.Platform.HomeManager } source ? source.Target.User : "root";
}

/// <summary>
/// Decides the lab's hosts and their services. A service is made for every port the inventory's
/// health checks and services name, so the same checks gate deploys in the lab: an http check
/// gets an HTTP service on the host its URL names (localhost: the host itself), a tcp check a TCP
/// service, a service's other ports TCP services; a command check's <c>curl URL</c> an HTTP service
/// and its <c>systemctl is-active UNIT</c> a running unit of that name.
/// </summary>
internal static partial class LabPlan
{
    public const int MaxHosts = 250;

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")]
    private static partial Regex HostName();

    [GeneratedRegex("^[a-z_][a-z0-9_-]{0,31}$")]
    private static partial Regex UserName();

    [GeneratedRegex("[^A-Za-z0-9._-]")]
    private static partial Regex UnsafeServiceCharacter();

    /// <summary><c>systemctl is-active [--quiet] UNIT</c> in a command check names a unit the lab must run.</summary>
    [GeneratedRegex(@"\bsystemctl\s+(?:(?:-q|--quiet)\s+)*is-active\s+(?:(?:-q|--quiet)\s+)*([A-Za-z0-9@._-]+)")]
    private static partial Regex SystemctlUnit();

    /// <summary>A URL that a command check fetches (<c>curl -f http://localhost:8080/alive</c>) names an HTTP service.</summary>
    [GeneratedRegex(@"\b(?:curl|wget)\b[^|;&]*?(https?://[^\s'""|;&]+)")]
    private static partial Regex FetchedUrl();

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
        var units = new List<(string Host, string Unit)>();
        foreach (var host in fleet.Hosts)
        {
            if (!HostName().IsMatch(host.Name))
            {
                throw new LabException($"host \"{host.Name}\" in {fleet.SourcePath} cannot be a lab host: use letters, digits, '.', '_' and '-'");
            }

            if (host.Platform == Platform.HomeManager && !UserName().IsMatch(host.Target.User))
            {
                throw new LabException($"home-manager host \"{host.Name}\" in {fleet.SourcePath} logs in as \"{host.Target.User}\", which cannot be a lab user: use lower-case letters, digits, '_' and '-'");
            }

            services[host.Name] = [];
        }

        foreach (var host in fleet.Hosts)
        {
            foreach (var check in host.HealthChecks)
            {
                AddForCheck(fleet, services, units, host, check, null);
            }
        }

        // A container service's ports are served by its container (a stand-in image), not by the host.
        foreach (var service in fleet.Services.Where(s => s.Container is null))
        {
            if (fleet.FindHost(service.Host) is not { } owner)
            {
                continue;
            }

            foreach (var check in service.HealthChecks)
            {
                AddForCheck(fleet, services, units, owner, check, service.Name);
            }

            foreach (var port in service.Ports)
            {
                Add(services[owner.Name], service.Ports.Length == 1 ? service.Name : $"{service.Name}-{port}", port, "tcp");
            }
        }

        // Containers run as NixOS runs oci-containers: a unit per container, `podman run` attached.
        foreach (var service in fleet.Services.Where(s => s.Container is not null))
        {
            if (fleet.FindHost(service.Host) is { } owner)
            {
                var name = ContainerRun.NameOf(service);
                services[owner.Name].Add(new LabService(UnsafeServiceCharacter().Replace("podman-" + name, "-"), 0, "container")
                {
                    Podman = ContainerRun.Arguments(name, service.Container!, "k8s-file"),
                    Directories = [.. service.Container!.Volumes.Select(v => v.Split(':')[0]).Where(p => p.StartsWith('/')).Distinct(StringComparer.Ordinal)],
                    AutoStart = service.Container.AutoStart,
                });

                // The NixOS service it replaces runs beside it until flotilla migrate moves it.
                if (service.Legacy is { Unit.Length: > 0 } legacy)
                {
                    var unit = legacy.Unit.EndsWith(".service", StringComparison.Ordinal) ? legacy.Unit[..^".service".Length] : legacy.Unit;
                    if (legacy.Ports.IsEmpty)
                    {
                        units.Add((owner.Name, legacy.Unit));
                    }

                    foreach (var port in legacy.Ports)
                    {
                        Add(services[owner.Name], legacy.Ports.Length == 1 ? unit : $"{unit}-{port}", port, "http");
                    }
                }
            }
        }

        foreach (var (host, unit) in units)
        {
            AddUnit(services[host], unit);
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

    private static void AddForCheck(Fleet fleet, Dictionary<string, List<LabService>> services, List<(string Host, string Unit)> units, Host owner, HealthCheck check, string? serviceName)
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
            case HealthCheckKind.Command when check.Command is { } command:
                // Commands run on the host itself, so what they name lives there.
                foreach (Match fetch in FetchedUrl().Matches(command))
                {
                    if (Uri.TryCreate(fetch.Groups[1].Value, UriKind.Absolute, out var fetched))
                    {
                        Add(services[(Resolve(fleet, fetched.Host) ?? owner).Name], serviceName ?? $"http-{fetched.Port}", fetched.Port, "http");
                    }
                }

                foreach (Match unit in SystemctlUnit().Matches(command))
                {
                    units.Add((owner.Name, unit.Groups[1].Value));
                }

                break;
            default:
                break;
        }
    }

    /// <summary>
    /// A unit that only has to be running (a "unit" service: a process, no port). Added last, so a
    /// service of the same name that listens already answers for it.
    /// </summary>
    private static void AddUnit(List<LabService> services, string unit)
    {
        var name = UnsafeServiceCharacter().Replace(unit.EndsWith(".service", StringComparison.Ordinal) ? unit[..^".service".Length] : unit, "-");
        if (name.Length > 0 && !services.Any(s => s.Name == name))
        {
            services.Add(new LabService(name, 0, "unit"));
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
