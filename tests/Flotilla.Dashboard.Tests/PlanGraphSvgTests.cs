using System.Collections.Immutable;
using System.Xml.Linq;
using Flotilla.Dashboard.Internal;
using Flotilla.Planning;

namespace Flotilla.Dashboard.Tests;

public sealed class PlanGraphSvgTests
{
    private static Plan Deploy()
    {
        PlanStep Step(string id, params string[] dependsOn) => new(id, StepKinds.Parse(id.Split(':')[0]), id.Split(':')[0], id.Split(':')[1], null, [.. dependsOn]);
        return new Plan(Operation.Deploy,
        [
            Step("build:db"), Step("copy:db", "build:db"), Step("activate:db", "copy:db"), Step("verify:db", "activate:db"),
            Step("build:web", "gate:none"), Step("copy:web", "build:web"), Step("activate:web", "copy:web", "verify:db"), Step("verify:web", "activate:web"),
        ]);
    }

    [Fact]
    public void A_step_s_column_is_its_longest_chain_of_dependencies()
    {
        var layout = PlanGraphSvg.Arrange(Deploy());

        Assert.Equal(0, layout.Positions["build:web"].Column);
        Assert.Equal(1, layout.Positions["copy:web"].Column);
        Assert.Equal(4, layout.Positions["activate:web"].Column);
        Assert.Equal(5, layout.Positions["verify:web"].Column);
        Assert.Equal(6, layout.Columns);
        Assert.Equal(2, layout.Rows);
    }

    [Fact]
    public void The_svg_is_well_formed_with_one_node_per_step_one_edge_per_dependency_and_the_states()
    {
        var plan = Deploy();

        var svg = XDocument.Parse(PlanGraphSvg.Render(plan, new Dictionary<string, string> { ["build:db"] = "succeeded", ["copy:db"] = "failed" }));

        XNamespace ns = "http://www.w3.org/2000/svg";
        var steps = svg.Descendants(ns + "g").Where(g => g.Attribute("data-step") is not null).ToList();
        Assert.Equal(plan.Steps.Select(s => s.Id), steps.Select(g => g.Attribute("data-step")!.Value));
        // "gate:none" is not in the plan: no edge is drawn to nowhere.
        Assert.Equal(7, svg.Descendants(ns + "path").Count());
        Assert.Contains("state-succeeded", steps[0].Attribute("class")!.Value, StringComparison.Ordinal);
        Assert.Contains("state-failed", steps[1].Attribute("class")!.Value, StringComparison.Ordinal);
        Assert.Contains("state-pending", steps[2].Attribute("class")!.Value, StringComparison.Ordinal);
    }

    [Fact]
    public void Hostile_step_names_are_escaped()
    {
        var plan = new Plan(Operation.Deploy, [new PlanStep("build:<script>alert(1)</script>\"&", StepKind.Build, "build", "x", null, ImmutableArray<string>.Empty)]);

        var svg = PlanGraphSvg.Render(plan);

        Assert.DoesNotContain("<script>", svg, StringComparison.Ordinal);
        XDocument.Parse(svg);
    }

    [Fact]
    public void An_empty_plan_draws_an_empty_graph()
    {
        var svg = XDocument.Parse(PlanGraphSvg.Render(new Plan(Operation.Reboot, [])));

        Assert.Equal("svg", svg.Root!.Name.LocalName);
    }
}
