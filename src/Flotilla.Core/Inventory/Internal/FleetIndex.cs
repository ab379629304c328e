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
        ServiceGraph = BuildServiceGraph();
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

    /// <summary>Service to service: <c>dependsOn</c> and <c>auth.provider</c>.</summary>
    public Digraph ServiceGraph { get; }

    /// <summary>Host to host: explicit <c>dependsOn</c> only.</summary>
    public Digraph HostGraph { get; }

    /// <summary>Host to host: explicit <c>dependsOn</c>, plus a host's services' dependencies on services of other hosts.</summary>
    public Digraph LiftedGraph { get; }

    public static FleetIndex Build(Fleet fleet) => new(fleet);

    /// <summary>The services a service needs, by name: <c>dependsOn</c> then <c>auth.provider</c>.</summary>
    public static IEnumerable<string> Needs(Service service)
    {
        foreach (var name in service.DependsOn)
        {
            yield return name;
        }

        if (service.Auth?.Provider is { } provider)
        {
            yield return provider;
        }
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

    private Digraph BuildServiceGraph()
    {
        var services = Fleet.Services;
        var builder = new DigraphBuilder(services.Length);
        for (var i = 0; i < services.Length; i++)
        {
            builder.StartNode(i);
            var service = services[i];
            foreach (var name in service.DependsOn)
            {
                AddServiceEdge(builder, i, name);
            }

            if (service.Auth?.Provider is { } provider)
            {
                AddServiceEdge(builder, i, provider);
            }
        }

        return builder.Build();
    }

    private void AddServiceEdge(DigraphBuilder builder, int from, string name)
    {
        if (ServiceByName.TryGetValue(name, out var to) && to != from)
        {
            builder.AddEdge(to);
        }
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
