using Flotilla.Planning;

namespace Flotilla.Tests.Planning;

public sealed class RebootPlanTests
{
    [Fact]
    public void Hosts_reboot_after_their_dependencies_then_by_reboot_order_then_name()
    {
        var fleet = new TestFleet()
            .Host("zeta", h => h with { RebootOrder = 1 })
            .Host("alpha", h => h with { RebootOrder = 1 })
            .Host("none")
            .Host("first", h => h with { RebootOrder = -5, DependsOn = ["late"] })
            .Host("late", h => h with { RebootOrder = 9 })
            .Build();

        var plan = PlanAssert.Built(Planner.Build(fleet, Operation.Reboot, Selection.Everything));

        var hosts = plan.Steps.Where(s => s.Kind == StepKind.Reboot).Select(s => s.Host);
        Assert.Equal(["alpha", "zeta", "late", "first", "none"], hosts);
    }

    [Fact]
    public void Home_manager_hosts_are_not_rebooted()
    {
        var fleet = new TestFleet()
            .Host("server", h => h with { RebootOrder = 1 })
            .Host("laptop", h => h with { RebootOrder = 2, Platform = Flotilla.Inventory.Platform.HomeManager })
            .Host("mac", h => h with { RebootOrder = 3, Platform = Flotilla.Inventory.Platform.Darwin })
            .Build();

        var plan = PlanAssert.Built(Planner.Build(fleet, Operation.Reboot, Selection.Everything));

        Assert.Equal(["server", "mac"], plan.Steps.Where(s => s.Kind == StepKind.Reboot).Select(s => s.Host));
    }

    [Fact]
    public void Reboot_plan_is_one_chain_with_delays()
    {
        var fleet = new TestFleet()
            .Host("a", h => h with { RebootOrder = 1, RebootDelay = TimeSpan.FromSeconds(30) })
            .Host("b", h => h with { RebootOrder = 2 })
            .Build();

        var plan = PlanAssert.Built(Planner.Build(fleet, Operation.Reboot, Selection.Everything));

        Assert.Equal(["wait:a", "reboot:a", "verify:a", "wait:b", "reboot:b", "verify:b"], plan.Steps.Select(s => s.Id));
        Assert.Equal(TimeSpan.FromSeconds(30), plan.Steps[0].Delay);
        Assert.Empty(plan.Steps[0].DependsOn);
        Assert.Equal(["verify:a"], PlanAssert.Step(plan, "wait:b").DependsOn.ToArray());
        Assert.Equal(["wait:b"], PlanAssert.Step(plan, "reboot:b").DependsOn.ToArray());
        Assert.All(plan.Steps, s => Assert.Equal("reboot", s.Phase));
    }

    [Fact]
    public void Reboot_text_shows_the_delay()
    {
        var fleet = new TestFleet().Host("a", h => h with { RebootDelay = TimeSpan.FromSeconds(30) }).Build();

        var text = PlanRenderer.Render(PlanAssert.Built(Planner.Build(fleet, Operation.Reboot, Selection.Everything)), PlanFormat.Text);

        Assert.StartsWith("Reboot plan: 1 host, 3 steps\n", text, StringComparison.Ordinal);
        Assert.Contains("  wait:a    for 30s\n", text, StringComparison.Ordinal);
    }
}
