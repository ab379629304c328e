using System.Text;
using Flotilla.Graphs.Internal;
using Flotilla.Inventory;
using Flotilla.Inventory.Internal;

namespace Flotilla.Validation.Internal;

/// <summary>
/// Cycles among services (<c>dependsOn</c> and <c>auth.provider</c>), among hosts (explicit
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
            var next = fleet.Services[cycle[1]].Name;
            findings.Error(first.Origin, ServiceEdgePath(first, next),
                $"services depend on each other in a cycle: {Path(cycle, i => fleet.Services[i].Name)}",
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
                var neededName = fleet.Services[needed].Name;
                reasons.Append("service \"").Append(dependent.Name).Append("\" needs \"").Append(neededName).Append('"');
                origin ??= dependent.Origin;
                path ??= ServiceEdgePath(dependent, neededName);
            }
        }

        findings.Error(origin ?? fleet.Hosts[cycle[0]].Origin, path ?? "",
            $"hosts depend on each other through their services in a cycle: {Path(cycle, i => fleet.Hosts[i].Name)} ({reasons})",
            "move one of these services to another host, or drop one of these dependencies");
    }

    private static string ServiceEdgePath(Service service, string needed)
    {
        var at = service.DependsOn.IndexOf(needed);
        return at >= 0 ? service.Origin.Of("dependsOn", at) : service.Origin.Of("auth.provider");
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
