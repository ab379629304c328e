using Flotilla.Execution.Internal;
using Flotilla.Inventory;
using Flotilla.Planning;

namespace Flotilla.Execution;

/// <summary>
/// Runs a plan's DAG. A step starts when every step it depends on succeeded, at most
/// <see cref="SchedulerOptions.Parallel"/> at a time, ready steps in plan order. A step that fails,
/// rolls back or needs attention skips everything that waits for it ("holds back: HOST failed at
/// STEP"); independent branches go on unless <see cref="SchedulerOptions.FailFast"/>. Batches and
/// max-fail: see <see cref="SchedulerOptions"/>. Gate steps are joins and succeed here, without the
/// executor; every other step (wait steps too) goes to the <see cref="IStepExecutor"/>, which gets
/// the run's token. Cancelling stops new steps; running ones end as their executor returns (an
/// executor that throws <see cref="OperationCanceledException"/> fails its step as "cancelled"),
/// and the rest are skipped. Every state change is written to the journal (and fsync'd) before the
/// observer sees it and, for a start, before the executor is called. Thread safe: each call is one
/// independent run. The plan must be the journal's plan (for a resumed run, <see cref="RunJournal.Plan"/>).
/// </summary>
public sealed class RunScheduler(TimeProvider? timeProvider = null)
{
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

    public Task<RunSummary> RunAsync(Plan plan, Fleet fleet, IStepExecutor executor, SchedulerOptions options, RunJournal journal, IRunObserver? observer = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(fleet);
        ArgumentNullException.ThrowIfNull(executor);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(journal);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Parallel, 1, nameof(options));
        if (!plan.Steps.Select(s => s.Id).SequenceEqual(journal.Plan.Steps.Select(s => s.Id), StringComparer.Ordinal))
        {
            throw new ArgumentException($"the plan is not the plan of run {journal.Id}; resume a run with the plan its journal holds", nameof(plan));
        }

        return new SchedulerRun(plan, fleet, executor, options, journal, observer, _time).RunAsync(cancellationToken);
    }
}
