using System.Collections.Immutable;
using System.Globalization;
using Flotilla.Cli.Output;
using Flotilla.Execution;
using Flotilla.Inventory;

namespace Flotilla.Cli.Commands;

/// <summary>
/// Runs a journaled plan with live progress for a person (or JSON lines with <c>--json</c>): what
/// <c>deploy</c>, <c>rollback</c> and <c>demo</c> share.
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
        Func<Task>? prepare,
        ImmutableHashSet<string> done,
        CancellationToken cancellationToken) =>
        (await RunToSummaryAsync(context, fleet, journal, executor, scheduler, json, verb, prepare, done, cancellationToken).ConfigureAwait(false)).ExitCode;

    /// <summary>As <see cref="RunAsync"/>, returning how every step ended (for commands that go on after a run: <c>deploy --reboot</c>, <c>upgrade</c>).</summary>
    public static async Task<RunSummary> RunToSummaryAsync(
        CliContext context,
        Fleet fleet,
        RunJournal journal,
        IStepExecutor executor,
        SchedulerOptions scheduler,
        bool json,
        string verb,
        Func<Task>? prepare,
        ImmutableHashSet<string> done,
        CancellationToken cancellationToken)
    {
        var hosts = journal.Plan.Steps.Select(s => s.Host).OfType<string>().Distinct().Count();
        var header = $"run {journal.Id}: {verb} {hosts.ToString(CultureInfo.InvariantCulture)} hosts (journal: {journal.RunDirectory})";
        if (!json)
        {
            await context.Output.WriteLineAsync(header).ConfigureAwait(false);
        }

        if (prepare is not null)
        {
            await prepare().ConfigureAwait(false);
        }

        Task<RunSummary> Run(IRunObserver observer) =>
            new RunScheduler().RunAsync(journal.Plan, fleet, executor, scheduler with { CompletedSteps = done }, journal, observer, cancellationToken);

        if (json)
        {
            return await Run(new JsonLinesObserver(context.Output)).ConfigureAwait(false);
        }

        if (Terminal.Live(context) is { } console)
        {
            return await new LiveRunView(console, new RunProgress(journal.LogPath), TimeProvider.System).ShowAsync(header, Run).ConfigureAwait(false);
        }

        return await Run(new PlainProgressObserver(context.Output, journal.LogPath)).ConfigureAwait(false);
    }
}
