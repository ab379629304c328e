using System.Collections.Immutable;
using System.Globalization;
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
        var interactive = !json && ReferenceEquals(context.Output, Console.Out) && !Console.IsOutputRedirected;
        IRunObserver observer = json
            ? new JsonLinesObserver(context.Output)
            : new ConsoleProgressObserver(context.Output, interactive) { LogPathOf = journal.LogPath };
        if (!json)
        {
            var hosts = journal.Plan.Steps.Select(s => s.Host).OfType<string>().Distinct().Count();
            await context.Output.WriteLineAsync($"run {journal.Id}: {verb} {hosts.ToString(CultureInfo.InvariantCulture)} hosts (journal: {journal.RunDirectory})").ConfigureAwait(false);
        }

        if (prepare is not null)
        {
            await prepare().ConfigureAwait(false);
        }

        using var refresh = new CancellationTokenSource();
        var ticker = interactive ? RefreshAsync((ConsoleProgressObserver)observer, refresh.Token) : Task.CompletedTask;
        RunSummary summary;
        try
        {
            summary = await new RunScheduler().RunAsync(journal.Plan, fleet, executor, scheduler with { CompletedSteps = done }, journal, observer, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await refresh.CancelAsync().ConfigureAwait(false);
            await ticker.ConfigureAwait(false);
        }

        return summary;
    }

    private static async Task RefreshAsync(ConsoleProgressObserver observer, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                observer.Refresh();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
