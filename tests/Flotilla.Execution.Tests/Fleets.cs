using Microsoft.Extensions.Time.Testing;
using Flotilla.Execution.Tests.Doubles;
using Flotilla.Inventory;
using Flotilla.Planning;

namespace Flotilla.Execution.Tests;

/// <summary>Small fleets, their deploy plans (made by the real planner) and a run of them in a temporary state directory.</summary>
internal static class Fleets
{
    public static Host Host(string name, string? tag = null, params string[] dependsOn) => new()
    {
        Name = name,
        Hostname = name,
        Target = new Target("192.0.2." + (Math.Abs(name.GetHashCode(StringComparison.Ordinal)) % 250 + 1)),
        Tags = tag is null ? [] : [tag],
        DependsOn = [.. dependsOn],
    };

    public static Fleet Of(params Host[] hosts) => new()
    {
        SourcePath = "fleet.json",
        Format = InventoryFormat.Json,
        Hosts = [.. hosts],
    };

    public static Plan Deploy(Fleet fleet) =>
        Planner.Build(fleet, Operation.Deploy, Selection.Everything).Plan ?? throw new InvalidOperationException("the test fleet has no plan");

    public static async Task<(RunSummary Summary, RunJournal Journal)> RunAsync(
        TempDirectory state,
        Fleet fleet,
        IStepExecutor executor,
        SchedulerOptions? options = null,
        IRunObserver? observer = null,
        CancellationToken cancellationToken = default)
    {
        var plan = Deploy(fleet);
        var time = Clocks.New();
        var journal = await RunJournal.CreateAsync(state.Path, plan, new RunMetadata(Operation.Deploy, "fleet.json"), time);
        var summary = await new RunScheduler(time).RunAsync(plan, fleet, executor, options ?? new SchedulerOptions(), journal, observer, cancellationToken);
        return (summary, journal);
    }

    public static StepOutcome Step(this RunSummary summary, string id) => summary.Steps.Single(s => s.Id == id);
}
