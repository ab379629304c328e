using System.Text.Json;
using Flotilla.Planning;

namespace Flotilla.Tests.Planning;

public sealed class RenderTests
{
    private const string Hostile = "a\"b;rm -rf /";
    private const string Arrow = "x -> y";

    private static Plan HostilePlan() => PlanAssert.Built(Planner.Build(
        new TestFleet().Host(Hostile).Host(Arrow, Hostile).Host("c\\\n}").Build(), Operation.Deploy, Selection.Everything));

    [Fact]
    public void Text_groups_steps_by_phase_with_what_they_wait_for()
    {
        var plan = PlanAssert.Built(Planner.Build(new TestFleet().Host("db").Host("web", "db").Build(), Operation.Deploy, Selection.Everything));

        var text = PlanRenderer.Render(plan, PlanFormat.Text);

        Assert.StartsWith("Deploy plan: 2 hosts, 8 steps\n\nbuild\n  build:db\n  build:web\n\ncopy\n", text, StringComparison.Ordinal);
        Assert.Contains("\n  activate:web  waits for copy:web, verify:db\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Text_escapes_control_characters_in_names()
    {
        var text = PlanRenderer.Render(HostilePlan(), PlanFormat.Text);

        Assert.Contains("build:c\\\\u000a}", text, StringComparison.Ordinal);
        Assert.DoesNotContain("c\\\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_has_the_documented_shape_and_an_acyclic_order()
    {
        var plan = PlanAssert.Built(Planner.Build(TestFleet.NixMox(), Operation.Deploy, Selection.Everything));

        using var document = JsonDocument.Parse(PlanRenderer.Render(plan, PlanFormat.Json));

        var root = document.RootElement;
        Assert.Equal(["operation", "steps"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal("deploy", root.GetProperty("operation").GetString());
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var step in root.GetProperty("steps").EnumerateArray())
        {
            Assert.Equal(["id", "kind", "phase", "host", "service", "dependsOn"], step.EnumerateObject().Select(p => p.Name));
            foreach (var dependency in step.GetProperty("dependsOn").EnumerateArray())
            {
                Assert.Contains(dependency.GetString()!, seen);
            }

            Assert.True(seen.Add(step.GetProperty("id").GetString()!));
        }

        Assert.Equal(plan.Steps.Length, seen.Count);
        var infra = root.GetProperty("steps")[0];
        Assert.Equal(JsonValueKind.Null, infra.GetProperty("host").ValueKind);
        Assert.Equal("terraform", infra.GetProperty("kind").GetString());
    }

    [Fact]
    public void Json_wait_steps_carry_delay_seconds()
    {
        var fleet = new TestFleet().Host("a", h => h with { RebootDelay = TimeSpan.FromSeconds(90) }).Build();
        var plan = PlanAssert.Built(Planner.Build(fleet, Operation.Reboot, Selection.Everything));

        using var document = JsonDocument.Parse(PlanRenderer.Render(plan, PlanFormat.Json));

        var steps = document.RootElement.GetProperty("steps");
        Assert.Equal("reboot", document.RootElement.GetProperty("operation").GetString());
        Assert.Equal(90, steps[0].GetProperty("delaySeconds").GetDouble());
        Assert.False(steps[1].TryGetProperty("delaySeconds", out _));
    }

    [Fact]
    public void Json_keeps_hostile_names_intact()
    {
        using var document = JsonDocument.Parse(PlanRenderer.Render(HostilePlan(), PlanFormat.Json));

        var ids = document.RootElement.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("id").GetString()).ToArray();
        Assert.Contains("activate:" + Arrow, ids);
        Assert.Contains("verify:" + Hostile, ids);
    }

    [Fact]
    public void Dot_quotes_and_escapes_hostile_names()
    {
        var dot = PlanRenderer.Render(HostilePlan(), PlanFormat.Dot);

        Assert.StartsWith("digraph plan {\n", dot, StringComparison.Ordinal);
        Assert.EndsWith("}\n", dot, StringComparison.Ordinal);
        Assert.Contains("  \"verify:a\\\"b;rm -rf /\" -> \"activate:x -> y\";\n", dot, StringComparison.Ordinal);
        Assert.Contains("\"build:c\\\\\\n}\"", dot, StringComparison.Ordinal);
        Assert.DoesNotContain("\n}\"", dot, StringComparison.Ordinal);
        // Outside quoted strings only the structure remains: one open and one close brace per block.
        Assert.Equal(CountOutsideQuotes(dot, '{'), CountOutsideQuotes(dot, '}'));
    }

    [Fact]
    public void Mermaid_uses_sanitized_node_ids_and_quoted_labels()
    {
        var plan = HostilePlan();

        var mermaid = PlanRenderer.Render(plan, PlanFormat.Mermaid);

        Assert.StartsWith("flowchart TD\n", mermaid, StringComparison.Ordinal);
        Assert.Contains("[\"verify:a#quot;b;rm -rf /\"]", mermaid, StringComparison.Ordinal);
        Assert.Contains("[\"activate:x -#gt; y\"]", mermaid, StringComparison.Ordinal);
        Assert.DoesNotContain(Hostile, mermaid, StringComparison.Ordinal);
        var edges = mermaid.Split('\n').Where(l => l.Contains("-->", StringComparison.Ordinal)).ToArray();
        Assert.Equal(plan.Steps.Sum(s => s.DependsOn.Length), edges.Length);
        Assert.All(edges, e => Assert.Matches(@"^  n\d+ --> n\d+$", e));
    }

    [Fact]
    public void Step_ids_are_unique_even_for_odd_names()
    {
        var plan = HostilePlan();

        Assert.Equal(plan.Steps.Length, plan.Steps.Select(s => s.Id).Distinct(StringComparer.Ordinal).Count());
        PlanAssert.Ordered(plan);
    }

    private static int CountOutsideQuotes(string text, char wanted)
    {
        var count = 0;
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            if (quoted && text[i] == '\\')
            {
                i++;
            }
            else if (text[i] == '"')
            {
                quoted = !quoted;
            }
            else if (!quoted && text[i] == wanted)
            {
                count++;
            }
        }

        return count;
    }
}
