namespace Flotilla.Planning.Internal;

/// <summary>
/// A plan's steps grouped by phase, phases in execution order: by the deepest step of each
/// phase (its longest chain of dependencies), ties by first appearance. Steps keep plan order.
/// </summary>
internal static class PhaseGroups
{
    public static List<(string Phase, List<int> Steps)> Of(Plan plan)
    {
        var steps = plan.Steps;
        var position = new Dictionary<string, int>(steps.Length, StringComparer.Ordinal);
        var depth = new int[steps.Length];
        var groups = new List<(string Phase, List<int> Steps)>();
        var groupOf = new Dictionary<string, int>(StringComparer.Ordinal);
        var deepest = new List<int>();
        for (var i = 0; i < steps.Length; i++)
        {
            position[steps[i].Id] = i;
            foreach (var dependency in steps[i].DependsOn)
            {
                if (position.TryGetValue(dependency, out var at))
                {
                    depth[i] = Math.Max(depth[i], depth[at] + 1);
                }
            }

            if (!groupOf.TryGetValue(steps[i].Phase, out var group))
            {
                group = groups.Count;
                groupOf[steps[i].Phase] = group;
                groups.Add((steps[i].Phase, []));
                deepest.Add(0);
            }

            groups[group].Steps.Add(i);
            deepest[group] = Math.Max(deepest[group], depth[i]);
        }

        var order = Enumerable.Range(0, groups.Count).OrderBy(g => deepest[g]).ThenBy(g => g);
        return [.. order.Select(g => groups[g])];
    }
}
