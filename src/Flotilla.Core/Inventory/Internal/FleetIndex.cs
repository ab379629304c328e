using Flotilla.Graphs.Internal;

namespace Flotilla.Inventory.Internal;

/// <summary>
/// A fleet's names and dependencies as dictionaries and graphs over indexes into
/// <see cref="Fleet.Hosts"/> and <see cref="Fleet.Services"/>, built once in linear time for
/// validation and planning. When a name repeats, the first definition wins. Graph edges point
/// from a node to what it depends on; unknown names and self-dependencies are left out (validation
/// reports them). Immutable once built.
/// </summary>
internal sealed class FleetIndex
{
    private FleetIndex(Fleet fleet)
    {
        Fleet = fleet;
        var hosts = fleet.Hosts;
        var services = fleet.Services;
        HostByName = new Dictionary<string, int>(hosts.Length, StringComparer.Ordinal);
        for (var i = 0; i < hosts.Length; i++)
        {
            HostByName.TryAdd(hosts[i].Name, i);
        }

        ServiceByName = new Dictionary<string, int>(services.Length, StringComparer.Ordinal);
        ServiceHost = new int[services.Length];
        var perHost = new int[hosts.Length + 1];
        for (var i = 0; i < services.Length; i++)
        {
            ServiceByName.TryAdd(services[i].Name, i);
            ServiceHost[i] = HostByName.TryGetValue(services[i].Host, out var host) ? host : -1;
            if (ServiceHost[i] >= 0)
            {
                perHost[ServiceHost[i] + 1]++;
            }
        }

        for (var i = 1; i < perHost.Length; i++)
        {
            perHost[i] += perHost[i - 1];
        }

        var cursor = (int[])perHost.Clone();
        var onHost = new int[perHost[^1]];
        for (var i = 0; i < services.Length; i++)
        {
            if (ServiceHost[i] >= 0)
            {
                onHost[cursor[ServiceHost[i]]++] = i;
            }
        }

        ServicesOnHost = new Digraph(perHost, onHost);
        HostByAddress = new Dictionary<string, int>(hosts.Length * 2, StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < hosts.Length; i++)
        {
            HostByAddress.TryAdd(hosts[i].Target.Address, i);
            HostByAddress.TryAdd(hosts[i].Hostname, i);
        }

        Dependencies = ResolveDependencies();
        ServiceGraph = BuildServiceGraph(DependencyKind.Activation);
        ConfigurationGraph = BuildServiceGraph(DependencyKind.Configuration);
        HostGraph = BuildHostGraph();
        LiftedGraph = BuildLiftedGraph();
    }

    public Fleet Fleet { get; }

    public Dictionary<string, int> HostByName { get; }

    public Dictionary<string, int> ServiceByName { get; }

    /// <summary>The host index of each service, or -1 when its host is unknown.</summary>
    public int[] ServiceHost { get; }

    /// <summary>"Successors" of host <c>h</c> are the indexes of the services it runs, in fleet order.</summary>
    public Digraph ServicesOnHost { get; }

    /// <summary>Hosts by target address and by hostname (compared without case).</summary>
    public Dictionary<string, int> HostByAddress { get; }

    /// <summary>Every service's dependencies (<see cref="Service.Dependencies"/>), each with what it names in this fleet.</summary>
    public ResolvedDependency[][] Dependencies { get; }

    /// <summary>Service to service, activation dependencies: <c>dependsOn</c> and databases' <c>host</c>.</summary>
    public Digraph ServiceGraph { get; }

    /// <summary>Service to service, configuration dependencies: <c>auth.provider</c> of other services.</summary>
    public Digraph ConfigurationGraph { get; }

    /// <summary>Host to host: explicit <c>dependsOn</c> only.</summary>
    public Digraph HostGraph { get; }

    /// <summary>Host to host: explicit <c>dependsOn</c>, plus a host's services' dependencies on services of other hosts.</summary>
    public Digraph LiftedGraph { get; }

    public static FleetIndex Build(Fleet fleet) => new(fleet);

    /// <summary>The dependency that makes service <paramref name="from"/> need <paramref name="to"/> (of the given kind), or null.</summary>
    public ServiceDependency? Reason(int from, int to, DependencyKind kind)
    {
        foreach (var resolved in Dependencies[from])
        {
            if (resolved.Service == to && resolved.Dependency.Kind == kind)
            {
                return resolved.Dependency;
            }
        }

        return null;
    }

    /// <summary>
    /// Why host <paramref name="from"/> depends on host <paramref name="to"/>: an explicit
    /// dependency, or the first service edge that crosses from one to the other. Null when neither.
    /// </summary>
    public (int Service, int Needed)? ServiceEdge(int from, int to)
    {
        foreach (var service in ServicesOnHost.Successors(from))
        {
            foreach (var needed in ServiceGraph.Successors(service))
            {
                if (ServiceHost[needed] == to)
                {
                    return (service, needed);
                }
            }
        }

        return null;
    }

    public bool HasExplicitEdge(int from, int to)
    {
        foreach (var successor in HostGraph.Successors(from))
        {
            if (successor == to)
            {
                return true;
            }
        }

        return false;
    }

    private ResolvedDependency[][] ResolveDependencies()
    {
        var services = Fleet.Services;
        var result = new ResolvedDependency[services.Length][];
        for (var i = 0; i < services.Length; i++)
        {
            result[i] = [.. services[i].Dependencies().Select(d => Resolve(i, d))];
        }

        return result;
    }

    /// <summary>
    /// What a dependency names: a service by its name; for a database's host also a host's name,
    /// address or hostname, meaning the service on that host (the one listening on the database's
    /// port when the host runs several). A database on the service's own host, or on a machine
    /// outside the fleet, is no dependency.
    /// </summary>
    private ResolvedDependency Resolve(int from, ServiceDependency dependency)
    {
        var target = dependency.Target;
        if (ServiceByName.TryGetValue(target, out var named))
        {
            return new ResolvedDependency(dependency, named, named == from ? Resolution.Self : Resolution.Service);
        }

        if (dependency.Source != DependencySource.DatabaseHost)
        {
            return new ResolvedDependency(dependency, -1, Resolution.Unknown);
        }

        if (target is "localhost" or "127.0.0.1" or "::1" or "[::1]")
        {
            return new ResolvedDependency(dependency, -1, Resolution.Self);
        }

        if (!HostByName.TryGetValue(target, out var host) && !HostByAddress.TryGetValue(target, out host))
        {
            return new ResolvedDependency(dependency, -1, Resolution.External);
        }

        if (host == ServiceHost[from])
        {
            return new ResolvedDependency(dependency, -1, Resolution.Self);
        }

        var candidates = ServicesOnHost.Successors(host);
        if (candidates.Length == 1)
        {
            return new ResolvedDependency(dependency, candidates[0], Resolution.Service);
        }

        var port = Fleet.Services[from].Databases.FirstOrDefault(d => d.Host == target)?.Port;
        var match = -1;
        foreach (var candidate in candidates)
        {
            if (port is { } p && Fleet.Services[candidate].Ports.Contains(p))
            {
                if (match >= 0)
                {
                    return new ResolvedDependency(dependency, -1, Resolution.Ambiguous);
                }

                match = candidate;
            }
        }

        return match >= 0
            ? new ResolvedDependency(dependency, match, Resolution.Service)
            : new ResolvedDependency(dependency, -1, candidates.IsEmpty ? Resolution.External : Resolution.Ambiguous);
    }

    private Digraph BuildServiceGraph(DependencyKind kind)
    {
        var builder = new DigraphBuilder(Fleet.Services.Length);
        for (var i = 0; i < Dependencies.Length; i++)
        {
            builder.StartNode(i);
            foreach (var resolved in Dependencies[i])
            {
                if (resolved.State == Resolution.Service && resolved.Dependency.Kind == kind)
                {
                    builder.AddEdge(resolved.Service);
                }
            }
        }

        return builder.Build();
    }

    private Digraph BuildHostGraph()
    {
        var hosts = Fleet.Hosts;
        var builder = new DigraphBuilder(hosts.Length);
        for (var i = 0; i < hosts.Length; i++)
        {
            builder.StartNode(i);
            foreach (var name in hosts[i].DependsOn)
            {
                if (HostByName.TryGetValue(name, out var to) && to != i)
                {
                    builder.AddEdge(to);
                }
            }
        }

        return builder.Build();
    }

    private Digraph BuildLiftedGraph()
    {
        var builder = new DigraphBuilder(Fleet.Hosts.Length);
        for (var host = 0; host < Fleet.Hosts.Length; host++)
        {
            builder.StartNode(host);
            foreach (var to in HostGraph.Successors(host))
            {
                builder.AddEdge(to);
            }

            foreach (var service in ServicesOnHost.Successors(host))
            {
                foreach (var needed in ServiceGraph.Successors(service))
                {
                    var to = ServiceHost[needed];
                    if (to >= 0 && to != host)
                    {
                        builder.AddEdge(to);
                    }
                }
            }
        }

        return builder.Build();
    }
}

/// <summary>What a dependency names in the fleet.</summary>
internal enum Resolution
{
    /// <summary>A service of the fleet (<see cref="ResolvedDependency.Service"/>).</summary>
    Service,

    /// <summary>The service itself, or its own host: nothing to wait for.</summary>
    Self,

    /// <summary>A name that is no service of the fleet (an error for depends_on and auth.provider).</summary>
    Unknown,

    /// <summary>A database host outside the fleet: nothing Flotilla deploys.</summary>
    External,

    /// <summary>A database host that runs several services, none of them told apart by the database's port.</summary>
    Ambiguous,
}

/// <summary>A dependency and the service it names (an index into the fleet's services, or -1).</summary>
internal readonly record struct ResolvedDependency(ServiceDependency Dependency, int Service, Resolution State);
