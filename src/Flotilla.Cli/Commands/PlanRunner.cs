using System.Collections.Immutable;
using Flotilla.Cli.Output;
using Flotilla.Execution;
using Flotilla.Execution.Operations;
using Flotilla.Inventory;
using Flotilla.Planning;

namespace Flotilla.Cli.Commands;

/// <summary>
/// Runs a journaled plan the CLI made itself (<c>migrate</c>) as the operations run theirs: the
/// run's header, then its steps watched by <see cref="CliOperationView"/> (live progress for a
/// person, or JSON lines with <c>--json</c>).
/// </summary>
internal static class PlanRunner
{
    public static async Task<int> RunAsync(
        CliContext context,
        Fleet fleet,
        RunJournal journal,
        IStepExecutor executor,
        SchedulerOptions scheduler,
        bool json,
        string verb,
        ImmutableHashSet<string> done,
        CancellationToken cancellationToken)
    {
        var view = new CliOperationView(context, json);
        var hosts = journal.Plan.Steps.Select(s => s.Host).OfType<string>().Distinct().Count();
        var starting = new RunStarting(journal.Info.Operation.ToName(), journal.Id, verb, hosts, journal.RunDirectory, journal.LogPath);
        view.Note(starting);
        var summary = await view.WatchAsync(
            starting,
            observer => new RunScheduler().RunAsync(journal.Plan, fleet, executor, scheduler with { CompletedSteps = done }, journal, observer, cancellationToken)).ConfigureAwait(false);
        return summary.ExitCode;
    }
}
