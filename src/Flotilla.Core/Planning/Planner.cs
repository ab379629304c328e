using Flotilla.Graphs.Internal;
using Flotilla.Inventory;
using Flotilla.Inventory.Internal;
using Flotilla.Planning.Internal;

namespace Flotilla.Planning;

/// <summary>
/// Turns a fleet, an operation and a selection into a <see cref="Plan"/>. Dependencies on hosts
/// outside the selection are dropped (they are assumed deployed). Linear in the size of the
/// fleet (n log n for the ordering); stateless and thread safe.
/// </summary>
public static class Planner
{
    public static PlanResult Build(Fleet fleet, Operation operation, Selection selection)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        ArgumentNullException.ThrowIfNull(selection);
        var index = FleetIndex.Build(fleet);
        var (hosts, errors) = HostSelection.Resolve(index, selection);
        if (!errors.IsEmpty)
        {
            return new PlanResult(null, errors);
        }

        var dependsOn = index.LiftedGraph.Induced(hosts);
        if (Cycles.Find(dependsOn) is [var cycle, ..])
        {
            var path = string.Join(" -> ", cycle.Select(i => fleet.Hosts[hosts[i]].Name)) + " -> " + fleet.Hosts[hosts[cycle[0]]].Name;
            return new StepGraph(fleet.SourcePath).Failed(
                $"hosts depend on each other in a cycle: {path}",
                "validate the inventory to see which dependencies make it, and remove one");
        }

        return operation switch
        {
            Operation.Deploy => DeployPlanner.Build(index, hosts, dependsOn),
            Operation.Reboot => RebootPlanner.Build(index, hosts, dependsOn),
            Operation.Rollback => RollbackPlanner.Build(index, hosts, dependsOn),
            _ => throw new ArgumentOutOfRangeException(nameof(operation), operation, "unknown operation"),
        };
    }
}
