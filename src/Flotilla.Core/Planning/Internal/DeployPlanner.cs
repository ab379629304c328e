using Flotilla.Graphs.Internal;
using Flotilla.Inventory;
using Flotilla.Inventory.Internal;

namespace Flotilla.Planning.Internal;

/// <summary>
/// Builds deploy plans. Per host H:
/// <c>build:H -> copy:H [-> keys:H] -> activate:H [-> keys-post:H] -> verify:H</c>, where
/// activate:H also waits for <c>verify:D</c> of every selected host D that H depends on (lifted
/// graph). Builds and copies never wait for other hosts. A host running a core service is a core
/// host; one running only app services is an app host. When the plan has both, <c>gate:core</c>
/// waits for every core host's verify and every app host's activate waits for the gate.
/// <para>
/// When a selected service has Terraform, or a NixMox manifest has deployment phases or a service
/// that authenticates with another, the plan takes NixMox's shape (seed 003):
/// <c>tf:infra</c> -> activate of core hosts (and hosts without services), all in phase
/// <c>nix:core</c> -> <c>gate:core</c> -> <c>tf:auth-core</c> -> every app host's activate; and for
/// each app service S with Terraform on host H:
/// <c>tf:auth-core -> tf:service-infra:S -> activate:H -> tf:service-config:S -> verify:H</c>.
/// App hosts' build, copy, keys and activate are in phase <c>nix:service-config</c> and their
/// verify in <c>verify</c>. Terraform of core services belongs to tf:infra and tf:auth-core.
/// An auth provider is a configuration dependency: tf:auth-core (core services' clients) comes
/// after every core host is verified, and an app's tf:service-config waits for its providers;
/// no activation waits for a provider. Core hosts listed in <c>deployment_phases.nix_core</c>
/// activate one after the other in that order, where their dependencies allow.
/// </para>
/// </summary>
internal static class DeployPlanner
{
    private enum Role
    {
        Plain,
        Core,
        App,
    }

    public static PlanResult Build(FleetIndex index, int[] hosts, Digraph dependsOn)
    {
        var fleet = index.Fleet;
        var roles = new Role[hosts.Length];
        var nixMox = fleet.Format == InventoryFormat.Manifest && !(fleet.Deployment.InfraPhase.IsEmpty && fleet.Deployment.CorePhase.IsEmpty && fleet.Deployment.AuthCorePhase.IsEmpty);
        bool anyCore = false, anyApp = false;
        for (var i = 0; i < hosts.Length; i++)
        {
            var services = index.ServicesOnHost.Successors(hosts[i]);
            var core = false;
            foreach (var service in services)
            {
                core |= fleet.Services[service].Tier == ServiceTier.Core;
                nixMox |= fleet.Services[service].Terraform is not null
                    || (fleet.Format == InventoryFormat.Manifest && !index.ConfigurationGraph.Successors(service).IsEmpty);
            }

            roles[i] = services.IsEmpty ? Role.Plain : core ? Role.Core : Role.App;
            anyCore |= core;
            anyApp |= roles[i] == Role.App;
        }

        var graph = new StepGraph(fleet.SourcePath);
        var infra = nixMox
            ? graph.AddWithId("tf:infra", StepKind.Terraform, PlanPhases.TerraformInfra, null, null, "provision the fleet's infrastructure (machines, networks, storage)")
            : -1;

        var build = new int[hosts.Length];
        var copy = new int[hosts.Length];
        var keys = new int[hosts.Length];
        var activate = new int[hosts.Length];
        var keysPost = new int[hosts.Length];
        var verify = new int[hosts.Length];
        for (var i = 0; i < hosts.Length; i++)
        {
            var name = fleet.Hosts[hosts[i]].Name;
            build[i] = graph.Add(StepKind.Build, name, Phase(roles[i], nixMox, PlanPhases.Build), name, null);
        }

        for (var i = 0; i < hosts.Length; i++)
        {
            var name = fleet.Hosts[hosts[i]].Name;
            copy[i] = graph.Add(StepKind.Copy, name, Phase(roles[i], nixMox, PlanPhases.Copy), name, null);
            graph.Depend(copy[i], build[i]);
        }

        for (var i = 0; i < hosts.Length; i++)
        {
            var host = fleet.Hosts[hosts[i]];
            var (before, after) = CountKeys(host);
            // Its containers' secrets are uploaded with the keys before activation.
            foreach (var s in index.ServicesOnHost.Successors(hosts[i]))
            {
                before += fleet.Services[s].Container?.Secrets.Length ?? 0;
            }

            keys[i] = before == 0 ? -1 : graph.Add(StepKind.Keys, host.Name, Phase(roles[i], nixMox, PlanPhases.Keys), host.Name, null, $"upload {before} key(s) before activation");
            graph.Depend(keys[i], copy[i]);
            keysPost[i] = after;
        }

        for (var i = 0; i < hosts.Length; i++)
        {
            var host = fleet.Hosts[hosts[i]];
            var containers = ContainersOn(index, hosts[i]);
            var pull = -1;
            if (containers.Count > 0)
            {
                var images = containers.Select(c => c.Container!.Image).Distinct(StringComparer.Ordinal).Count();
                pull = graph.Add(StepKind.Pull, host.Name, Phase(roles[i], nixMox, PlanPhases.Copy), host.Name, null, $"make {images} container image(s) present on the host (pull, or load an image file)");
                graph.Depend(pull, copy[i]);
            }

            activate[i] = graph.Add(StepKind.Activate, host.Name, Phase(roles[i], nixMox, PlanPhases.Activate), host.Name, null);
            graph.Depend(activate[i], keys[i] >= 0 ? keys[i] : copy[i]);
            graph.Depend(activate[i], pull);
            var last = activate[i];
            if (keysPost[i] > 0)
            {
                var count = keysPost[i];
                keysPost[i] = graph.Add(StepKind.KeysPost, host.Name, Phase(roles[i], nixMox, PlanPhases.Activate), host.Name, null, $"upload {count} key(s) after activation");
                graph.Depend(keysPost[i], activate[i]);
                last = keysPost[i];
            }

            verify[i] = graph.Add(StepKind.Verify, host.Name, Phase(roles[i], nixMox, PlanPhases.Verify), host.Name, null);
            graph.Depend(verify[i], last);

            // Each container after activation, after the containers of the host it depends on;
            // the host's verify (and its confirmation) after all of them.
            var gates = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var service in containers)
            {
                var name = service.Container!.Name ?? service.Name;
                gates[service.Name] = graph.AddWithId($"{StepKind.Container.ToName()}:{host.Name}/{name}", StepKind.Container, Phase(roles[i], nixMox, PlanPhases.Verify), host.Name, service.Name, $"container {name} running and healthy");
                graph.Depend(gates[service.Name], last);
                graph.Depend(verify[i], gates[service.Name]);
            }

            foreach (var service in containers)
            {
                foreach (var needed in service.DependsOn)
                {
                    if (gates.TryGetValue(needed, out var neededGate))
                    {
                        graph.Depend(gates[service.Name], neededGate);
                    }
                }
            }
        }

        for (var i = 0; i < hosts.Length; i++)
        {
            foreach (var needed in dependsOn.Successors(i))
            {
                graph.Depend(activate[i], verify[needed]);
            }
        }

        ChainCorePhase(index, hosts, dependsOn, activate, verify, graph);

        var gate = -1;
        if (anyCore && anyApp)
        {
            gate = graph.AddWithId("gate:core", StepKind.Gate, nixMox ? PlanPhases.NixCore : PlanPhases.Gate, null, null, "every core host is deployed and verified");
            for (var i = 0; i < hosts.Length; i++)
            {
                if (roles[i] == Role.Core)
                {
                    graph.Depend(gate, verify[i]);
                }
                else if (roles[i] == Role.App)
                {
                    graph.Depend(activate[i], gate);
                }
            }
        }

        if (nixMox)
        {
            AddTerraform(index, hosts, roles, graph, infra, gate, activate, verify);
        }

        return graph.Finish(Operation.Deploy);
    }

    private static void AddTerraform(FleetIndex index, int[] hosts, Role[] roles, StepGraph graph, int infra, int gate, int[] activate, int[] verify)
    {
        var fleet = index.Fleet;
        var local = new int[fleet.Hosts.Length];
        Array.Fill(local, -1);
        for (var i = 0; i < hosts.Length; i++)
        {
            local[hosts[i]] = i;
        }

        var authCore = graph.AddWithId("tf:auth-core", StepKind.Terraform, PlanPhases.TerraformAuthCore, null, null, "create the authentication provider's core resources");
        var anyCore = false;
        for (var i = 0; i < hosts.Length; i++)
        {
            if (roles[i] != Role.App)
            {
                graph.Depend(activate[i], infra);
            }

            if (roles[i] == Role.Core && gate < 0)
            {
                graph.Depend(authCore, verify[i]);
            }

            anyCore |= roles[i] == Role.Core;
        }

        graph.Depend(authCore, gate >= 0 ? gate : anyCore ? -1 : infra);
        for (var i = 0; i < hosts.Length; i++)
        {
            if (roles[i] != Role.App)
            {
                continue;
            }

            graph.Depend(activate[i], authCore);
            var host = fleet.Hosts[hosts[i]].Name;
            foreach (var s in index.ServicesOnHost.Successors(hosts[i]))
            {
                var service = fleet.Services[s];
                if (service.Terraform is null)
                {
                    continue;
                }

                var serviceInfra = graph.AddWithId("tf:service-infra:" + service.Name, StepKind.Terraform, PlanPhases.TerraformServiceInfra, host, service.Name, $"infrastructure of {service.Name}");
                graph.Depend(serviceInfra, authCore);
                graph.Depend(activate[i], serviceInfra);
                var serviceConfig = graph.AddWithId("tf:service-config:" + service.Name, StepKind.Terraform, PlanPhases.TerraformServiceConfig, host, service.Name, $"resources of {service.Name} (applications, providers, outposts)");
                graph.Depend(serviceConfig, activate[i]);
                graph.Depend(verify[i], serviceConfig);

                // Its auth configuration waits for its providers (a configuration dependency);
                // one on its own host is verified with it.
                foreach (var provider in index.ConfigurationGraph.Successors(s))
                {
                    var at = index.ServiceHost[provider] is var h and >= 0 ? local[h] : -1;
                    if (at >= 0 && at != i)
                    {
                        graph.Depend(serviceConfig, verify[at]);
                    }
                }
            }
        }
    }

    /// <summary>
    /// NixMox deploys its core services one after the other in <c>deployment_phases.nix_core</c>'s
    /// order: each selected host whose service is listed activates after the previous one is
    /// verified. Where the list contradicts a dependency, the dependency wins (validation warns):
    /// the chain follows a dependency order that keeps the list's order wherever it can.
    /// </summary>
    private static void ChainCorePhase(FleetIndex index, int[] hosts, Digraph dependsOn, int[] activate, int[] verify, StepGraph graph)
    {
        var phase = index.Fleet.Deployment.CorePhase;
        if (phase.IsEmpty)
        {
            return;
        }

        var rank = new int[hosts.Length];
        var listed = new bool[hosts.Length];
        for (var i = 0; i < hosts.Length; i++)
        {
            rank[i] = int.MaxValue;
            foreach (var service in index.ServicesOnHost.Successors(hosts[i]))
            {
                var at = phase.IndexOf(index.Fleet.Services[service].Name);
                if (at >= 0 && at < rank[i])
                {
                    rank[i] = at;
                    listed[i] = true;
                }
            }
        }

        if (TopologicalOrder.Sort(dependsOn, rank) is not { } order)
        {
            return;
        }

        var previous = -1;
        foreach (var i in order)
        {
            if (!listed[i])
            {
                continue;
            }

            if (previous >= 0)
            {
                graph.Depend(activate[i], verify[previous]);
            }

            previous = i;
        }
    }

    private static string Phase(Role role, bool nixMox, string plain) => !nixMox
        ? plain
        : role != Role.App ? PlanPhases.NixCore
        : plain == PlanPhases.Verify ? PlanPhases.Verify : PlanPhases.NixServiceConfig;

    private static List<Service> ContainersOn(FleetIndex index, int host) =>
        [.. index.ServicesOnHost.Successors(host).ToArray().Select(s => index.Fleet.Services[s]).Where(s => s.Container is not null)];

    private static (int Before, int After) CountKeys(Host host)
    {
        int before = 0, after = 0;
        foreach (var key in host.Keys)
        {
            if (key.UploadAt == KeyUploadAt.PreActivation)
            {
                before++;
            }
            else
            {
                after++;
            }
        }

        return (before, after);
    }
}
