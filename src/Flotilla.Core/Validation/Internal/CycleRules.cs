using System.Text;
using Flotilla.Graphs.Internal;
using Flotilla.Inventory;
using Flotilla.Inventory.Internal;

namespace Flotilla.Validation.Internal;

/// <summary>
/// Cycles among services (activation dependencies: <c>dependsOn</c> and databases' <c>host</c>;
/// each edge is named with the attribute it comes from), among hosts (explicit
/// <c>dependsOn</c>) and in the lifted host graph. Each strongly connected component is reported
/// once, as its shortest cycle through its first member in fleet order. A lifted cycle is left
/// out when a service or host cycle already reported lies in it: fixing that one first is what
/// the person has to do anyway.
/// </summary>
internal static class CycleRules
{
    public static void Check(FleetIndex index, Findings findings)
    {
        var fleet = index.Fleet;
        var lifted = Cycles.Components(index.LiftedGraph, out var liftedCount);
        var explained = new bool[liftedCount];

        var serviceComponents = Cycles.Components(index.ServiceGraph, out var serviceCount);
        foreach (var cycle in Cycles.Find(index.ServiceGraph, serviceComponents, serviceCount))
        {
            var first = fleet.Services[cycle[0]];
            var firstEdge = index.Reason(cycle[0], cycle[1], DependencyKind.Activation);
            findings.Error(first.Origin, firstEdge?.Path ?? first.Origin.Path,
                $"services depend on each other in a cycle: {Path(cycle, i => fleet.Services[i].Name)} ({ServiceReasons(index, cycle)})",
                "remove one of these dependencies");
            foreach (var member in cycle)
            {
                if (index.ServiceHost[member] is var host and >= 0 && index.ServiceHost[cycle[0]] != host)
                {
                    explained[lifted[host]] = true;
                }
            }
        }

        foreach (var cycle in Cycles.Find(index.HostGraph))
        {
            var first = fleet.Hosts[cycle[0]];
            findings.Error(first.Origin, first.Origin.Of("dependsOn", first.DependsOn.IndexOf(fleet.Hosts[cycle[1]].Name)),
                $"hosts depend on each other in a cycle: {Path(cycle, i => fleet.Hosts[i].Name)}",
                "remove one of these dependencies");
            explained[lifted[cycle[0]]] = true;
        }

        foreach (var cycle in Cycles.Find(index.LiftedGraph, lifted, liftedCount))
        {
            if (!explained[lifted[cycle[0]]])
            {
                ReportLifted(index, findings, cycle);
            }
        }

        CheckConfiguration(index, findings);
    }

    private static void ReportLifted(FleetIndex index, Findings findings, int[] cycle)
    {
        var fleet = index.Fleet;
        var reasons = new StringBuilder();
        Origin? origin = null;
        string? path = null;
        for (var i = 0; i < cycle.Length; i++)
        {
            var from = cycle[i];
            var to = cycle[(i + 1) % cycle.Length];
            if (reasons.Length > 0)
            {
                reasons.Append("; ");
            }

            reasons.Append(fleet.Hosts[from].Name).Append(" -> ").Append(fleet.Hosts[to].Name).Append(": ");
            if (index.HasExplicitEdge(from, to))
            {
                var host = fleet.Hosts[from];
                reasons.Append("host \"").Append(host.Name).Append("\" lists it in its dependencies");
                origin ??= host.Origin;
                path ??= host.Origin.Of("dependsOn", host.DependsOn.IndexOf(fleet.Hosts[to].Name));
            }
            else if (index.ServiceEdge(from, to) is var (service, needed))
            {
                var dependent = fleet.Services[service];
                var reason = index.Reason(service, needed, DependencyKind.Activation)!;
                reasons.Append("service \"").Append(dependent.Name).Append("\" needs \"").Append(fleet.Services[needed].Name)
                    .Append("\" (").Append(reason.Label(dependent.Origin)).Append(" at ").Append(reason.Path).Append(')');
                origin ??= dependent.Origin;
                path ??= reason.Path;
            }
        }

        findings.Error(origin ?? fleet.Hosts[cycle[0]].Origin, path ?? "",
            $"hosts depend on each other through their services in a cycle: {Path(cycle, i => fleet.Hosts[i].Name)} ({reasons})",
            "move one of these services to another host, or drop one of these dependencies");
    }

    /// <summary>Each edge of a service cycle with the attribute it comes from: <c>a -> b: db.host at core_services.a.interface.db.host</c>.</summary>
    private static string ServiceReasons(FleetIndex index, int[] cycle)
    {
        var services = index.Fleet.Services;
        var reasons = new StringBuilder();
        for (var i = 0; i < cycle.Length; i++)
        {
            var from = cycle[i];
            var to = cycle[(i + 1) % cycle.Length];
            if (reasons.Length > 0)
            {
                reasons.Append("; ");
            }

            reasons.Append(services[from].Name).Append(" -> ").Append(services[to].Name);
            if (index.Reason(from, to, DependencyKind.Activation) is { } reason)
            {
                reasons.Append(": ").Append(reason.Label(services[from].Origin)).Append(" at ").Append(reason.Path);
            }
        }

        return reasons.ToString();
    }

    /// <summary>
    /// An app service with Terraform has its auth configured in <c>tf:service-config</c>, which its
    /// host's verify waits for; when that waits for a provider on another host that itself needs
    /// the service running, neither can finish.
    /// </summary>
    private static void CheckConfiguration(FleetIndex index, Findings findings)
    {
        var fleet = index.Fleet;
        for (var s = 0; s < fleet.Services.Length; s++)
        {
            var service = fleet.Services[s];
            if (service.Tier != ServiceTier.App || service.Terraform is null || index.ServiceHost[s] < 0)
            {
                continue;
            }

            foreach (var provider in index.ConfigurationGraph.Successors(s))
            {
                var providerHost = index.ServiceHost[provider];
                if (providerHost < 0 || providerHost == index.ServiceHost[s])
                {
                    continue;
                }

                if (Reaches(index.LiftedGraph, providerHost, index.ServiceHost[s]))
                {
                    var reason = index.Reason(s, provider, DependencyKind.Configuration)!;
                    findings.Error(service.Origin, reason.Path,
                        $"service \"{service.Name}\"'s auth configuration (tf:service-config) waits for \"{fleet.Services[provider].Name}\" (auth.provider at {reason.Path}), whose host \"{fleet.Hosts[providerHost].Name}\" needs \"{fleet.Hosts[index.ServiceHost[s]].Name}\" deployed first",
                        "authenticate with a provider that does not need this service, or drop one of the dependencies");
                }
            }
        }
    }

    private static bool Reaches(Digraph graph, int from, int to)
    {
        var seen = new bool[graph.NodeCount];
        var stack = new Stack<int>();
        stack.Push(from);
        seen[from] = true;
        while (stack.TryPop(out var node))
        {
            if (node == to)
            {
                return true;
            }

            foreach (var next in graph.Successors(node))
            {
                if (!seen[next])
                {
                    seen[next] = true;
                    stack.Push(next);
                }
            }
        }

        return false;
    }

    private static string Path(int[] cycle, Func<int, string> name)
    {
        var builder = new StringBuilder();
        foreach (var node in cycle)
        {
            builder.Append(name(node)).Append(" -> ");
        }

        return builder.Append(name(cycle[0])).ToString();
    }
}
