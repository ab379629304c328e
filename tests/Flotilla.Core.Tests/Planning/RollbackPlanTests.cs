using Flotilla.Planning;

namespace Flotilla.Tests.Planning;

public sealed class RollbackPlanTests
{
    [Fact]
    public void A_host_rolls_back_only_after_every_host_that_depends_on_it_is_verified()
    {
        var fleet = new TestFleet()
            .Host("gateway")
            .Host("db", "gateway")
            .Host("app", "db")
            .Host("web", "app", "db")
            .Build();

        var plan = PlanAssert.Built(Planner.Build(fleet, Operation.Rollback, Selection.Everything));

        PlanAssert.Ordered(plan);
        Assert.Equal(["verify:app", "verify:web"], PlanAssert.Step(plan, "rollback:db").DependsOn.Order(StringComparer.Ordinal));
        Assert.Equal(["verify:db"], PlanAssert.Step(plan, "rollback:gateway").DependsOn.ToArray());
        Assert.Empty(PlanAssert.Step(plan, "rollback:web").DependsOn);
        Assert.Equal(["rollback:web"], PlanAssert.Step(plan, "verify:web").DependsOn.ToArray());
        Assert.Equal(
            ["web", "app", "db", "gateway"],
            plan.Steps.Where(s => s.Kind == StepKind.Rollback).Select(s => s.Host));
    }

    [Fact]
    public void Dependencies_through_services_order_the_rollback_too()
    {
        var fleet = new TestFleet()
            .Host("h1").Host("h2")
            .Core("postgres", "h1")
            .App("wiki", "h2", "postgres")
            .Build();

        var plan = PlanAssert.Built(Planner.Build(fleet, Operation.Rollback, Selection.Everything));

        Assert.True(PlanAssert.Waits(plan, "rollback:h1", "verify:h2"));
        Assert.False(PlanAssert.Waits(plan, "rollback:h2", "verify:h1"));
    }

    [Fact]
    public void Hosts_outside_the_selection_and_home_manager_hosts_are_left_alone()
    {
        var fleet = new TestFleet()
            .Host("db")
            .Host("app", "db")
            .Host("laptop", h => h with { Platform = Flotilla.Inventory.Platform.HomeManager })
            .Build();

        var plan = PlanAssert.Built(Planner.Build(fleet, Operation.Rollback, new Selection { On = ["db", "laptop"] }));

        Assert.Equal(["rollback:db", "verify:db"], plan.Steps.Select(s => s.Id));
        Assert.Empty(plan.Steps[0].DependsOn);
    }

    [Fact]
    public void Rollback_plans_render_their_operation()
    {
        var fleet = new TestFleet().Host("a").Build();
        var plan = PlanAssert.Built(Planner.Build(fleet, Operation.Rollback, Selection.Everything));

        Assert.StartsWith("Rollback plan: 1 host, 2 steps\n", PlanRenderer.Render(plan, PlanFormat.Text), StringComparison.Ordinal);
        Assert.Contains("\"operation\": \"rollback\"", PlanRenderer.Render(plan, PlanFormat.Json), StringComparison.Ordinal);
    }
}
