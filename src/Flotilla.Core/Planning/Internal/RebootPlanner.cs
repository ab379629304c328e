using Flotilla.Graphs.Internal;
using Flotilla.Inventory;
using Flotilla.Inventory.Internal;

namespace Flotilla.Planning.Internal;

/// <summary>
/// Builds reboot plans: one host at a time, each after the hosts it depends on (lifted graph),
/// ties broken by <c>rebootOrder</c> (hosts without one last), then name. Per host
/// <c>wait:H</c> (its reboot delay) -> <c>reboot:H</c> -> <c>verify:H</c>; the next host's wait
/// waits for the previous host's verify, so the plan is one chain. home-manager hosts are left out.
/// </summary>
internal static class RebootPlanner
{
    public static PlanResult Build(FleetIndex index, int[] hosts, Digraph dependsOn)
    {
        var fleet = index.Fleet;
        var byPreference = Enumerable.Range(0, hosts.Length)
            .OrderBy(i => fleet.Hosts[hosts[i]].RebootOrder is null ? 1 : 0)
            .ThenBy(i => fleet.Hosts[hosts[i]].RebootOrder ?? 0)
            .ThenBy(i => fleet.Hosts[hosts[i]].Name, StringComparer.Ordinal)
            .ThenBy(i => i)
            .ToArray();
        var rank = new int[hosts.Length];
        for (var r = 0; r < byPreference.Length; r++)
        {
            rank[byPreference[r]] = r;
        }

        var graph = new StepGraph(fleet.SourcePath);
        var order = TopologicalOrder.Sort(dependsOn, rank);
        if (order is null)
        {
            return graph.Failed("hosts depend on each other in a cycle", "validate the inventory to find it");
        }

        var previous = -1;
        foreach (var i in order)
        {
            var host = fleet.Hosts[hosts[i]];
            if (host.Platform == Platform.HomeManager)
            {
                // home-manager manages a user's environment, not the machine: nothing to reboot.
                continue;
            }

            var wait = graph.Add(StepKind.Wait, host.Name, PlanPhases.Reboot, host.Name, null, $"wait {host.RebootDelay.TotalSeconds}s before rebooting", host.RebootDelay);
            graph.Depend(wait, previous);
            var reboot = graph.Add(StepKind.Reboot, host.Name, PlanPhases.Reboot, host.Name, null);
            graph.Depend(reboot, wait);
            previous = graph.Add(StepKind.Verify, host.Name, PlanPhases.Reboot, host.Name, null);
            graph.Depend(previous, reboot);
        }

        return graph.Finish(Operation.Reboot);
    }
}
