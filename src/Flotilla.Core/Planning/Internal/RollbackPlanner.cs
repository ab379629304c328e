using Flotilla.Graphs.Internal;
using Flotilla.Inventory;
using Flotilla.Inventory.Internal;

namespace Flotilla.Planning.Internal;

/// <summary>
/// Builds rollback plans: per host H <c>rollback:H -> verify:H</c>, in reverse dependency order:
/// rollback:H waits for <c>verify:D</c> of every selected host D that depends on H (lifted graph),
/// so a host goes back before the hosts it needs. Independent hosts roll back in parallel.
/// home-manager hosts are left out (no system profile to roll back).
/// </summary>
internal static class RollbackPlanner
{
    public static PlanResult Build(FleetIndex index, int[] hosts, Digraph dependsOn)
    {
        var fleet = index.Fleet;
        var graph = new StepGraph(fleet.SourcePath);
        var rollback = new int[hosts.Length];
        var verify = new int[hosts.Length];
        for (var i = 0; i < hosts.Length; i++)
        {
            var host = fleet.Hosts[hosts[i]];
            if (host.Platform == Platform.HomeManager)
            {
                rollback[i] = verify[i] = -1;
                continue;
            }

            rollback[i] = graph.Add(StepKind.Rollback, host.Name, PlanPhases.Rollback, host.Name, null, "switch to the previous generation under the watchdog");
            verify[i] = graph.Add(StepKind.Verify, host.Name, PlanPhases.Verify, host.Name, null);
            graph.Depend(verify[i], rollback[i]);
        }

        for (var i = 0; i < hosts.Length; i++)
        {
            foreach (var needed in dependsOn.Successors(i))
            {
                graph.Depend(rollback[needed], verify[i]);
            }
        }

        return graph.Finish(Operation.Rollback);
    }
}
