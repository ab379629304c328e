using Flotilla.Planning;

namespace Flotilla.Tests.Planning;

internal static class PlanAssert
{
    public static Plan Built(PlanResult result)
    {
        Assert.Empty(result.Errors);
        Assert.NotNull(result.Plan);
        return result.Plan;
    }

    public static PlanStep Step(Plan plan, string id) => Assert.Single(plan.Steps, s => s.Id == id);

    /// <summary>Every step comes after what it depends on, and ids are unique.</summary>
    public static void Ordered(Plan plan)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var step in plan.Steps)
        {
            foreach (var dependency in step.DependsOn)
            {
                Assert.True(seen.Contains(dependency), $"{step.Id} comes before its dependency {dependency}");
            }

            Assert.True(seen.Add(step.Id), $"{step.Id} appears twice");
        }
    }

    /// <summary>Whether <paramref name="later"/> waits, directly or not, for <paramref name="earlier"/>.</summary>
    public static bool Waits(Plan plan, string later, string earlier)
    {
        var byId = plan.Steps.ToDictionary(s => s.Id, StringComparer.Ordinal);
        var pending = new Stack<string>([later]);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (pending.TryPop(out var id))
        {
            foreach (var dependency in byId[id].DependsOn)
            {
                if (dependency == earlier)
                {
                    return true;
                }

                if (seen.Add(dependency))
                {
                    pending.Push(dependency);
                }
            }
        }

        return false;
    }

    public static void Before(Plan plan, string earlier, string later) =>
        Assert.True(Waits(plan, later, earlier), $"{later} does not wait for {earlier}");
}
