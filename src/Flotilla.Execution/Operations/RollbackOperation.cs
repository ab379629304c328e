using System.Collections.Immutable;
using System.Globalization;
using Flotilla.Inventory;
using Flotilla.Planning;

namespace Flotilla.Execution;

/// <summary>
/// <c>flotilla rollback</c> as the engine runs it: each selected host to its previous generation
/// under the watchdog, dependents first, health-gated (<see cref="RollbackStepExecutor"/>); the
/// options its journal records. The front end plans (<see cref="Operation.Rollback"/>), leases,
/// makes the journal with <see cref="Metadata"/> and shows progress.
/// </summary>
public sealed class RollbackOperation(DeployOptions options, SchedulerOptions scheduler)
{
    public const string Name = "rollback";

    private readonly RollbackStepExecutor executor = new(options);

    public RunMetadata Metadata(Fleet fleet, Selection selection, string runId)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        return new RunMetadata(Name, fleet.SourcePath)
        {
            Id = runId,
            Selection = DeployOperation.Describe(selection),
            Options = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, new Dictionary<string, string>
            {
                ["confirm-timeout"] = options.ConfirmTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture) + "s",
                ["parallel"] = scheduler.Parallel.ToString(CultureInfo.InvariantCulture),
            }),
        };
    }

    public Task<RunSummary> RunAsync(Fleet fleet, RunJournal journal, IRunObserver? observer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(journal);
        return new RunScheduler(options.TimeProvider).RunAsync(journal.Plan, fleet, executor, scheduler, journal, observer, cancellationToken);
    }
}
