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
            var metadata = new RunMetadata("deploy", fleet.SourcePath)
            {
                Id = runId,
                Selection = Describe(request.Selection),
                Options = Options(request),
            };
            await using var journal = await RunJournal.CreateAsync(stateDirectory, planned.Plan, metadata, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (own is null)
            {
                await held!.AttachRunAsync(journal.Id, cancellationToken).ConfigureAwait(false);
            }
            var summary = await RunAsync(context, fleet, journal, request, ImmutableHashSet<string>.Empty, cancellationToken).ConfigureAwait(false);
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

            request = WithRunOptions(request, journal.Info.Options, given);
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
                var summary = await RunAsync(context, fleet, journal, request, done, cancellationToken).ConfigureAwait(false);
                await ServerConnectionOptions.PushRunAsync(context, request.Server, stateDirectory, journal.Id, cancellationToken).ConfigureAwait(false);
                return summary.ExitCode;
            }
        }
    }

    private static Task<RunSummary> RunAsync(CliContext context, Fleet fleet, RunJournal journal, DeployRequest request, ImmutableHashSet<string> done, CancellationToken cancellationToken)
    {
        var executor = new DeployStepExecutor(request.Options);
        return PlanRunner.RunToSummaryAsync(context, fleet, journal, executor, request.Scheduler, request.Json, "deploying", PrebuildAsync, done, cancellationToken);

        async Task PrebuildAsync()
        {
            try
            {
                // One nix build for every host; a host whose build fails there fails its own build step.
                await executor.PrebuildAsync(fleet, journal.Plan, line => journal.WriteOutput(null, "build", TimeProvider.System.GetUtcNow(), line), cancellationToken).ConfigureAwait(false);
            }
            catch (NixBuildException e)
            {
                journal.WriteOutput(null, "build", TimeProvider.System.GetUtcNow(), "the batch build failed; building hosts one by one: " + e.Message);
            }
        }
    }

    /// <summary>Hosts the run gave a new system: verified, and whose activation changed them (not already on their closure).</summary>
    public static ImmutableArray<string> DeployedHosts(RunSummary summary) =>
    [
        .. summary.Steps.Where(s => s.Kind == StepKinds.Verify && s.Host is not null && s.State == StepState.Succeeded)
            .Select(s => s.Host!)
            .Where(h => summary.Steps.FirstOrDefault(s => s.Host == h && s.Kind == StepKinds.Activate) is { State: StepState.Succeeded } activate
                && activate.Changed != false)
            .Distinct(),
    ];

    public static ImmutableArray<string> Describe(Selection selection) =>
        [.. selection.On, .. selection.Services.Select(s => "--service " + s), .. selection.WithDependents ? ["--with-dependents"] : Array.Empty<string>()];

    /// <summary>
    /// A resumed run goes on with the settings it was started with (its journal's options: goal,
    /// confirm timeout, parallelism, fail-fast, batch size, max-fail, force), except those the
    /// command line names again (<paramref name="given"/>, option names without dashes).
    /// </summary>
    public static DeployRequest WithRunOptions(DeployRequest request, IReadOnlyDictionary<string, string> recorded, IReadOnlySet<string> given)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(recorded);
        ArgumentNullException.ThrowIfNull(given);
        string? Recorded(string name) => given.Contains(name) ? null : recorded.GetValueOrDefault(name);
        var options = request.Options;
        var scheduler = request.Scheduler;
        if (ActivationGoals.TryParse(Recorded("goal"), out var parsedGoal))
        {
            options = options with { Goal = parsedGoal };
        }

        if (Recorded("confirm-timeout") is { } confirm && Durations.TryParse(confirm, out var timeout) && timeout > TimeSpan.Zero)
        {
            options = options with { ConfirmTimeout = timeout };
        }

        if (Recorded("force") is { } force)
        {
            options = options with { Force = force == "true" };
        }

        if (Recorded("parallel") is { } parallel && int.TryParse(parallel, NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count > 0)
        {
            scheduler = scheduler with { Parallel = count };
        }

        if (Recorded("fail-fast") is { } failFast)
        {
            scheduler = scheduler with { FailFast = failFast == "true" };
        }

        if (Recorded("batch-size") is { } batch)
        {
            scheduler = scheduler with { BatchSize = BatchSize.TryParse(batch, out var size) ? size : null };
        }

        if (Recorded("max-fail") is { } maxFail)
        {
            scheduler = scheduler with { MaxFailPercent = double.TryParse(maxFail, NumberStyles.Float, CultureInfo.InvariantCulture, out var percent) ? percent : null };
        }

        return request with { Options = options, Scheduler = scheduler };
    }

    private static ImmutableSortedDictionary<string, string> Options(DeployRequest request) => ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, new Dictionary<string, string>
    {
        ["goal"] = ActivationGoals.Name(request.Options.Goal),
        ["confirm-timeout"] = request.Options.ConfirmTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture) + "s",
        ["parallel"] = request.Scheduler.Parallel.ToString(CultureInfo.InvariantCulture),
        ["fail-fast"] = request.Scheduler.FailFast ? "true" : "false",
        ["batch-size"] = request.Scheduler.BatchSize?.ToString() ?? "",
        ["max-fail"] = request.Scheduler.MaxFailPercent?.ToString(CultureInfo.InvariantCulture) ?? "",
        ["force"] = request.Options.Force ? "true" : "false",
    });
}
