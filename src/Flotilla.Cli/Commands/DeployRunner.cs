using System.Collections.Immutable;
using System.Globalization;
using Flotilla.Execution;
using Flotilla.Inventory;
using Flotilla.Planning;

namespace Flotilla.Cli.Commands;

/// <summary>What <c>flotilla deploy</c> was asked to do.</summary>
internal sealed record DeployRequest(string? File, Selection Selection, DeployOptions Options, SchedulerOptions Scheduler, bool Json)
{
    /// <summary>How the run holds its lease on the hosts it deploys (<c>--lock-ttl</c>, <c>--lock-wait</c>).</summary>
    public LeaseSettings Lease { get; init; } = LeaseSettings.Default;

    /// <summary>The control plane the run records itself on (<c>--server</c>), or null.</summary>
    public ControlPlaneClient? Server { get; init; }
}

/// <summary>
/// The deploy itself, callable from any command (<c>deploy</c>, <c>demo</c>): loads the inventory,
/// plans, takes the lease on the plan's hosts (a run that holds any of them refuses or delays this
/// one), journals, builds every host in one nix build and runs the plan with live progress.
/// </summary>
internal static class DeployRunner
{
    public static async Task<int> StartAsync(CliContext context, string stateDirectory, DeployRequest request, CancellationToken cancellationToken)
    {
        var fleet = await InventoryCommands.LoadValidAsync(context, request.File, cancellationToken).ConfigureAwait(false);
        if (fleet is null)
        {
            return ExitCodes.InvalidInput;
        }

        return (await DeployAsync(context, fleet, stateDirectory, request, null, cancellationToken).ConfigureAwait(false)).ExitCode;
    }

    /// <summary>
    /// A deploy of an already loaded fleet; the summary is null when nothing ran (the plan was
    /// invalid, or another run holds its hosts). It runs under <paramref name="held"/> when the
    /// caller holds a lease that covers its hosts (upgrade, <c>deploy --reboot</c>), else under a
    /// lease of its own.
    /// </summary>
    public static async Task<(int ExitCode, RunSummary? Summary)> DeployAsync(CliContext context, Fleet fleet, string stateDirectory, DeployRequest request, HostLease? held, CancellationToken cancellationToken)
    {
        var planned = Planner.Build(fleet, Operation.Deploy, request.Selection);
        if (!planned.Succeeded)
        {
            InventoryCommands.Print(context, planned.Errors);
            return (ExitCodes.InvalidInput, null);
        }

        var hosts = RunLeases.HostsOf(planned.Plan);
        // The run is named before its journal exists, so that its lease names it from the start.
        var runId = RunJournal.NewId(stateDirectory);
        HostLease? own = null;
        if (held is null || !held.Covers(hosts))
        {
            (var refused, own) = await RunLeases.TakeAsync(context, stateDirectory, RunLeases.For("deploy", hosts, request.Lease) with { RunId = runId }, cancellationToken).ConfigureAwait(false);
            if (refused is { } code)
            {
                return (code, null);
            }
        }

        try
        {
            var operation = new DeployOperation(request.Options, request.Scheduler);
            await using var journal = await RunJournal.CreateAsync(stateDirectory, planned.Plan, operation.Metadata(fleet, request.Selection, runId), cancellationToken: cancellationToken).ConfigureAwait(false);
            if (own is null)
            {
                await held!.AttachRunAsync(journal.Id, cancellationToken).ConfigureAwait(false);
            }
            var summary = await RunAsync(context, fleet, journal, operation, request.Json, ImmutableHashSet<string>.Empty, cancellationToken).ConfigureAwait(false);
            await ServerConnectionOptions.PushRunAsync(context, request.Server, stateDirectory, journal.Id, cancellationToken).ConfigureAwait(false);
            return (summary.ExitCode, summary);
        }
        finally
        {
            if (own is not null)
            {
                await own.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Continues a stopped run under a new lease on the hosts it still has steps to run on.</summary>
    public static async Task<int> ResumeAsync(CliContext context, string stateDirectory, string runId, DeployRequest request, IReadOnlySet<string> given, CancellationToken cancellationToken)
    {
        RunJournal journal;
        try
        {
            journal = await RunJournal.OpenAsync(stateDirectory, runId, cancellationToken).ConfigureAwait(false);
        }
        catch (RunJournalException e)
        {
            await context.Error.WriteLineAsync("deploy: " + e.Message).ConfigureAwait(false);
            return ExitCodes.InvalidInput;
        }

        await using (journal.ConfigureAwait(false))
        {
            var fleet = await InventoryCommands.LoadValidAsync(context, request.File ?? journal.Info.InventoryPath, cancellationToken).ConfigureAwait(false);
            if (fleet is null)
            {
                return ExitCodes.InvalidInput;
            }

            var (options, scheduler) = DeployOperation.Recorded(request.Options, request.Scheduler, journal.Info.Options, given);
            var operation = new DeployOperation(options, scheduler);
            var done = RunResume.CompletedSteps(journal);
            var remaining = journal.Plan.Steps.Where(s => s.Host is not null && !done.Contains(s.Id)).Select(s => s.Host!).Distinct(StringComparer.Ordinal);
            var (refused, lease) = await RunLeases.TakeAsync(context, stateDirectory, RunLeases.For("deploy", remaining, request.Lease) with { RunId = journal.Id }, cancellationToken).ConfigureAwait(false);
            if (refused is { } code)
            {
                return code;
            }

            await using (lease!.ConfigureAwait(false))
            {
                await context.Error.WriteLineAsync($"resuming run {journal.Id}: {done.Count.ToString(CultureInfo.InvariantCulture)} of {journal.Plan.Steps.Length.ToString(CultureInfo.InvariantCulture)} steps are done").ConfigureAwait(false);
                var summary = await RunAsync(context, fleet, journal, operation, request.Json, done, cancellationToken).ConfigureAwait(false);
                await ServerConnectionOptions.PushRunAsync(context, request.Server, stateDirectory, journal.Id, cancellationToken).ConfigureAwait(false);
                return summary.ExitCode;
            }
        }
    }

    private static Task<RunSummary> RunAsync(CliContext context, Fleet fleet, RunJournal journal, DeployOperation operation, bool json, ImmutableHashSet<string> done, CancellationToken cancellationToken) =>
        PlanRunner.ShowAsync(context, journal, json, "deploying", () => operation.PrebuildAsync(fleet, journal, cancellationToken), observer => operation.RunAsync(fleet, journal, observer, done, cancellationToken));
}
