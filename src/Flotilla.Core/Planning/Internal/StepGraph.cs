using System.Collections.Immutable;
using Flotilla.Diagnostics;
using Flotilla.Graphs.Internal;

namespace Flotilla.Planning.Internal;

/// <summary>
/// Collects a plan's steps and their dependencies by index, then orders them (Kahn, ties to the
/// step added first) into an immutable <see cref="Plan"/>. Not thread safe.
/// </summary>
internal sealed class StepGraph(string file)
{
    private readonly List<Draft> _steps = [];
    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);
    private readonly List<string> _duplicates = [];

    public int Count => _steps.Count;

    public int Add(StepKind kind, string name, string phase, string? host, string? service, string? description = null, TimeSpan? delay = null) =>
        AddWithId(kind.ToName() + ":" + name, kind, phase, host, service, description, delay);

    public int AddWithId(string id, StepKind kind, string phase, string? host, string? service, string? description = null, TimeSpan? delay = null)
    {
        if (!_ids.TryAdd(id, _steps.Count))
        {
            _duplicates.Add(id);
        }

        _steps.Add(new Draft(id, kind, phase, host, service, description, delay));
        return _steps.Count - 1;
    }

    /// <summary><paramref name="step"/> waits for <paramref name="prerequisite"/>; negative indexes (absent steps) are ignored.</summary>
    public void Depend(int step, int prerequisite)
    {
        if (step >= 0 && prerequisite >= 0)
        {
            _steps[step].Prerequisites.Add(prerequisite);
        }
    }

    public PlanResult Finish(Operation operation)
    {
        if (_duplicates.Count > 0)
        {
            return Failed(
                $"two steps would both be named \"{_duplicates[0]}\": a host or service name appears twice",
                "validate the inventory and rename one of them");
        }

        var builder = new DigraphBuilder(_steps.Count);
        for (var i = 0; i < _steps.Count; i++)
        {
            builder.StartNode(i);
            foreach (var prerequisite in _steps[i].Prerequisites)
            {
                builder.AddEdge(prerequisite);
            }
        }

        var graph = builder.Build();
        if (TopologicalOrder.Sort(graph) is not { } order)
        {
            var cycle = Cycles.Find(graph)[0];
            var path = string.Join(" -> ", cycle.Select(i => _steps[i].Id)) + " -> " + _steps[cycle[0]].Id;
            return Failed(
                $"steps wait for each other in a cycle: {path}",
                "a core host probably depends on an app host; validate the inventory to find the dependency");
        }

        var steps = ImmutableArray.CreateBuilder<PlanStep>(order.Length);
        foreach (var i in order)
        {
            var draft = _steps[i];
            var prerequisites = graph.Successors(i);
            var dependsOn = new string[prerequisites.Length];
            for (var d = 0; d < prerequisites.Length; d++)
            {
                dependsOn[d] = _steps[prerequisites[d]].Id;
            }

            steps.Add(new PlanStep(draft.Id, draft.Kind, draft.Phase, draft.Host, draft.Service, ImmutableArray.Create(dependsOn))
            {
                Delay = draft.Delay,
                Description = draft.Description,
            });
        }

        return new PlanResult(new Plan(operation, steps.MoveToImmutable()), []);
    }

    public PlanResult Failed(string message, string hint) =>
        new(null, [new Diagnostic(Severity.Error, file, "", message, hint)]);

    private sealed record Draft(string Id, StepKind Kind, string Phase, string? Host, string? Service, string? Description, TimeSpan? Delay)
    {
        public List<int> Prerequisites { get; } = [];
    }
}
