using Flotilla.Inventory;
using Flotilla.Planning;

namespace Flotilla.Tests.Planning;

public sealed class DeployPlanTests
{
    private static Plan Deploy(Fleet fleet, Selection? selection = null) =>
        PlanAssert.Built(Planner.Build(fleet, Operation.Deploy, selection ?? Selection.Everything));

    [Fact]
    public void Each_host_gets_build_copy_activate_verify_in_that_order()
    {
        var plan = Deploy(new TestFleet().Host("a").Build());

        Assert.Equal(["build:a", "copy:a", "activate:a", "verify:a"], plan.Steps.Select(s => s.Id));
        Assert.Equal(["build", "copy", "activate", "verify"], plan.Steps.Select(s => s.Phase));
        Assert.Equal(["copy:a"], PlanAssert.Step(plan, "activate:a").DependsOn.ToArray());
    }

    [Fact]
    public void A_host_with_containers_pulls_their_images_before_activation_and_gates_each_after_it_in_dependency_order()
    {
        var fleet = new TestFleet().Host("media").App("sonarr", "media", "prowlarr").App("prowlarr", "media").App("web", "media").Build();
        fleet = fleet with
        {
            Services = [.. fleet.Services.Select(s => s.Name == "web" ? s : s with { Container = new ContainerSpec { Name = s.Name, Image = $"lscr.io/linuxserver/{s.Name}:latest" } })],
        };

        var plan = Deploy(fleet);

        PlanAssert.Ordered(plan);
        Assert.Equal(["copy:media"], PlanAssert.Step(plan, "pull:media").DependsOn.ToArray());
        Assert.Contains("pull:media", PlanAssert.Step(plan, "activate:media").DependsOn);
        Assert.Equal(["activate:media"], PlanAssert.Step(plan, "container:media/prowlarr").DependsOn.ToArray());
        Assert.Equal(["activate:media", "container:media/prowlarr"], PlanAssert.Step(plan, "container:media/sonarr").DependsOn.ToArray());
        Assert.Equal(["activate:media", "container:media/sonarr", "container:media/prowlarr"], PlanAssert.Step(plan, "verify:media").DependsOn.ToArray());
        Assert.Equal("sonarr", PlanAssert.Step(plan, "container:media/sonarr").Service);
        Assert.DoesNotContain(plan.Steps, s => s.Id.EndsWith("/web", StringComparison.Ordinal));
    }

    [Fact]
    public void Activate_waits_for_the_verify_of_hosts_it_depends_on()
    {
        var plan = Deploy(new TestFleet().Host("db").Host("web", "db").Build());

        PlanAssert.Ordered(plan);
        Assert.Equal(["copy:web", "verify:db"], PlanAssert.Step(plan, "activate:web").DependsOn.ToArray());
        Assert.Equal(["build:web"], PlanAssert.Step(plan, "copy:web").DependsOn.ToArray());
    }

    [Fact]
    public void Service_dependencies_lift_to_host_order()
    {
        var plan = Deploy(new TestFleet().Host("h1").Host("h2").App("web", "h1", "db").App("db", "h2").Build());

        Assert.Contains("verify:h2", PlanAssert.Step(plan, "activate:h1").DependsOn);
        Assert.DoesNotContain(plan.Steps, s => s.Kind == StepKind.Gate);
    }

    [Fact]
    public void Core_hosts_are_gated_before_app_hosts()
    {
        var plan = Deploy(new TestFleet().Host("c1").Host("c2").Host("a1")
            .Core("dns", "c1").Core("db", "c2").App("wiki", "a1").Build());

        var gate = PlanAssert.Step(plan, "gate:core");
        Assert.Equal(["verify:c1", "verify:c2"], gate.DependsOn.ToArray());
        Assert.Equal(StepKind.Gate, gate.Kind);
        Assert.Contains("gate:core", PlanAssert.Step(plan, "activate:a1").DependsOn);
        Assert.DoesNotContain("gate:core", PlanAssert.Step(plan, "activate:c1").DependsOn);
        PlanAssert.Ordered(plan);
    }

    [Fact]
    public void Keys_go_between_copy_and_activate()
    {
        var key = new Key { Name = "k", Source = KeySourceKind.Text, Value = "secret" };
        var late = key with { Name = "late", UploadAt = KeyUploadAt.PostActivation };
        var plan = Deploy(new TestFleet().Host("a", h => h with { Keys = [key, late] }).Host("b").Build());

        Assert.Equal(["copy:a"], PlanAssert.Step(plan, "keys:a").DependsOn.ToArray());
        Assert.Equal(["keys:a"], PlanAssert.Step(plan, "activate:a").DependsOn.ToArray());
        Assert.Equal(["keys-post:a"], PlanAssert.Step(plan, "verify:a").DependsOn.ToArray());
        Assert.DoesNotContain(plan.Steps, s => s.Id == "keys:b");
    }

    [Fact]
    public void Dependencies_outside_the_selection_are_dropped()
    {
        var plan = Deploy(new TestFleet().Host("db").Host("web", "db").Build(), new Selection { On = ["web"] });

        Assert.Equal(["copy:web"], PlanAssert.Step(plan, "activate:web").DependsOn.ToArray());
        Assert.DoesNotContain(plan.Steps, s => s.Host == "db");
    }

    [Fact]
    public void A_host_cycle_yields_an_error_and_no_plan()
    {
        var result = Planner.Build(new TestFleet().Host("a", "b").Host("b", "a").Build(), Operation.Deploy, Selection.Everything);

        Assert.Null(result.Plan);
        Assert.Equal("hosts depend on each other in a cycle: a -> b -> a", Assert.Single(result.Errors).Message);
    }

    [Fact]
    public void A_core_host_needing_an_app_host_is_a_step_cycle_error()
    {
        var result = Planner.Build(new TestFleet().Host("c").Host("a").Core("dns", "c", "wiki").App("wiki", "a").Build(), Operation.Deploy, Selection.Everything);

        Assert.Null(result.Plan);
        Assert.StartsWith("steps wait for each other in a cycle: ", Assert.Single(result.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NixMox_manifest_deploys_in_its_phases()
    {
        var plan = Deploy(TestFleet.NixMox());

        PlanAssert.Ordered(plan);
        Assert.Equal("tf:infra", plan.Steps[0].Id);
        Assert.Equal(StepKind.Terraform, plan.Steps[0].Kind);
        Assert.Null(plan.Steps[0].Host);
        foreach (var core in new[] { "postgresql", "dns", "caddy", "authentik" })
        {
            Assert.All(plan.Steps.Where(s => s.Host == core), s => Assert.Equal("nix:core", s.Phase));
            PlanAssert.Before(plan, "tf:infra", $"activate:{core}");
            PlanAssert.Before(plan, $"verify:{core}", "tf:auth-core");
        }

        PlanAssert.Before(plan, "gate:core", "tf:auth-core");
        foreach (var app in new[] { "vaultwarden", "guacamole" })
        {
            var serviceInfra = PlanAssert.Step(plan, $"tf:service-infra:{app}");
            Assert.Equal(("tf:service-infra", app, app), (serviceInfra.Phase, serviceInfra.Host, serviceInfra.Service));
            Assert.Equal(["tf:auth-core"], serviceInfra.DependsOn.ToArray());
            Assert.Equal("nix:service-config", PlanAssert.Step(plan, $"activate:{app}").Phase);
            Assert.Equal("nix:service-config", PlanAssert.Step(plan, $"build:{app}").Phase);
            Assert.Contains($"tf:service-infra:{app}", PlanAssert.Step(plan, $"activate:{app}").DependsOn);
            // Its auth configuration also waits for its provider (a configuration dependency).
            Assert.Equal([$"activate:{app}", "verify:authentik"], PlanAssert.Step(plan, $"tf:service-config:{app}").DependsOn.ToArray());
            var verify = PlanAssert.Step(plan, $"verify:{app}");
            Assert.Equal("verify", verify.Phase);
            Assert.Contains($"tf:service-config:{app}", verify.DependsOn);
        }

        Assert.False(PlanAssert.Waits(plan, "activate:guacamole", "verify:vaultwarden"));
        Assert.DoesNotContain(plan.Steps, s => s.Id == "tf:service-infra:authentik");
    }

    [Fact]
    public void NixMox_phases_come_in_seed_order_in_the_text()
    {
        var text = PlanRenderer.Render(Deploy(TestFleet.NixMox()), PlanFormat.Text);

        var phases = new[] { "\ntf:infra\n", "\nnix:core\n", "\ntf:auth-core\n", "\ntf:service-infra\n", "\nnix:service-config\n", "\ntf:service-config\n", "\nverify\n" };
        var positions = phases.Select(p => text.IndexOf(p, StringComparison.Ordinal)).ToArray();
        Assert.All(positions, p => Assert.True(p >= 0, text));
        Assert.Equal(positions.Order(), positions);
    }

    [Fact]
    public void Plain_fleets_have_no_terraform_steps()
    {
        var plan = Deploy(new TestFleet().Host("a").Host("b").Core("x", "a").App("y", "b").Build());

        Assert.DoesNotContain(plan.Steps, s => s.Kind == StepKind.Terraform);
        Assert.Equal("gate", PlanAssert.Step(plan, "gate:core").Phase);
    }

    [Fact]
    public void Repeated_host_names_are_an_error_not_a_plan_with_duplicate_ids()
    {
        var result = Planner.Build(new TestFleet().Host("a").Host("a").Build(), Operation.Deploy, Selection.Everything);

        Assert.Null(result.Plan);
        Assert.Equal("two steps would both be named \"build:a\": a host or service name appears twice", Assert.Single(result.Errors).Message);
    }
}
