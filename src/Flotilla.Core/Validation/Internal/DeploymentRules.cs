using Flotilla.Graphs.Internal;
using Flotilla.Inventory;
using Flotilla.Inventory.Internal;

namespace Flotilla.Validation.Internal;

/// <summary>
/// NixMox's <c>deployment_phases</c>: every name is a service of the manifest (a disabled one
/// too), <c>nix_core</c> and <c>tf_auth_core</c> name core services, and where <c>nix_core</c>'s
/// order contradicts a dependency, a warning says that the dependency wins.
/// </summary>
internal static class DeploymentRules
{
    public static void Check(FleetIndex index, Findings findings)
    {
        var deployment = index.Fleet.Deployment;
        var origin = new Origin(index.Fleet.SourcePath, deployment.PhasesPath);
        CheckNames(index, findings, origin, "tf_infra", deployment.InfraPhase, null);
        CheckNames(index, findings, origin, "nix_core", deployment.CorePhase, ServiceTier.Core);
        CheckNames(index, findings, origin, "tf_auth_core", deployment.AuthCorePhase, ServiceTier.Core);
        CheckNames(index, findings, origin, "services", deployment.ServicesPhase, ServiceTier.App);
        CheckCoreOrder(index, findings, origin, deployment);
    }

    private static void CheckNames(FleetIndex index, Findings findings, Origin origin, string phase, IReadOnlyList<string> names, ServiceTier? tier)
    {
        var fleet = index.Fleet;
        for (var i = 0; i < names.Count; i++)
        {
            var name = names[i];
            var path = SourcePath.Index(origin.Of(phase), i);
            if (index.ServiceByName.TryGetValue(name, out var service))
            {
                if (tier is { } expected && fleet.Services[service].Tier != expected)
                {
                    var (listed, other) = expected == ServiceTier.Core ? ("core", "app") : ("app", "core");
                    findings.Warning(origin, path, $"{phase} lists \"{name}\", which is a{(other == "app" ? "n" : "")} {other} service; this phase is for {listed} services",
                        $"move \"{name}\" to the phase of {other} services, or make it a{(listed == "app" ? "n" : "")} {listed} service");
                }
            }
            else if (!fleet.DisabledServices.Contains(name))
            {
                findings.Error(origin, path, $"{phase} lists \"{name}\", which is not a service of the manifest",
                    findings.DidYouMean(name, [.. index.ServiceByName.Keys, .. fleet.DisabledServices], "name a service of core_services or services, or remove it"));
            }
        }
    }

    /// <summary>A core service listed before one it needs (directly or not, by any activation dependency).</summary>
    private static void CheckCoreOrder(FleetIndex index, Findings findings, Origin origin, DeploymentSettings deployment)
    {
        var hosts = new List<(int Host, int Position)>();
        for (var i = 0; i < deployment.CorePhase.Length; i++)
        {
            if (index.ServiceByName.TryGetValue(deployment.CorePhase[i], out var service) && index.ServiceHost[service] >= 0)
            {
                hosts.Add((index.ServiceHost[service], i));
            }
        }

        foreach (var (early, earlyAt) in hosts)
        {
            foreach (var (late, lateAt) in hosts)
            {
                if (lateAt > earlyAt && early != late && Path(index.LiftedGraph, early, late) is { } chain)
                {
                    var earlyName = deployment.CorePhase[earlyAt];
                    var lateName = deployment.CorePhase[lateAt];
                    findings.Warning(origin, SourcePath.Index(origin.Of("nix_core"), earlyAt),
                        $"nix_core lists \"{earlyName}\" before \"{lateName}\", but {Describe(index, chain)}; the dependency wins: \"{lateName}\" deploys before \"{earlyName}\"",
                        $"list \"{lateName}\" before \"{earlyName}\" in nix_core to say what happens");
                }
            }
        }
    }

    /// <summary>A shortest chain of hosts from <paramref name="from"/> to <paramref name="to"/> along dependencies, or null.</summary>
    private static List<int>? Path(Digraph graph, int from, int to)
    {
        var previous = new int[graph.NodeCount];
        Array.Fill(previous, -1);
        previous[from] = from;
        var queue = new Queue<int>();
        queue.Enqueue(from);
        while (queue.TryDequeue(out var node))
        {
            if (node == to)
            {
                var chain = new List<int>();
                for (var at = to; at != from; at = previous[at])
                {
                    chain.Add(at);
                }

                chain.Add(from);
                chain.Reverse();
                return chain;
            }

            foreach (var next in graph.Successors(node))
            {
                if (previous[next] < 0)
                {
                    previous[next] = node;
                    queue.Enqueue(next);
                }
            }
        }

        return null;
    }

    /// <summary><c>"authentik" needs "postgresql" (db.host at core_services.authentik.interface.db.host)</c>, edge by edge.</summary>
    private static string Describe(FleetIndex index, List<int> chain)
    {
        var fleet = index.Fleet;
        var parts = new List<string>();
        for (var i = 0; i + 1 < chain.Count; i++)
        {
            var (from, to) = (chain[i], chain[i + 1]);
            var why = index.ServiceEdge(from, to) is var (service, needed) && index.Reason(service, needed, DependencyKind.Activation) is { } reason
                ? $"\"{fleet.Services[service].Name}\" needs \"{fleet.Services[needed].Name}\" ({reason.Label(fleet.Services[service].Origin)} at {reason.Path})"
                : $"host \"{fleet.Hosts[from].Name}\" depends on \"{fleet.Hosts[to].Name}\"";
            parts.Add(why);
        }

        return string.Join(", and ", parts);
    }
}
