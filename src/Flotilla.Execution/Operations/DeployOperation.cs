using System.Collections.Immutable;
using System.Globalization;
using Flotilla.Inventory;
using Flotilla.Planning;

namespace Flotilla.Execution;

/// <summary>
/// A deploy as the engine runs it, for any front end (the CLI now; the server's runs next): the
/// options it records in its journal and a resume reads back, the one batch build, the scheduled
/// steps, and what counts as deployed. The front end plans, leases the hosts, makes the journal
/// with <see cref="Metadata"/> and shows progress through its <see cref="IRunObserver"/>. One
/// instance serves one run (its executor remembers each host's closure between steps).
/// </summary>
public sealed class DeployOperation
{
    public const string Name = "deploy";

    private readonly DeployStepExecutor executor;

    public DeployOperation(DeployOptions options, SchedulerOptions scheduler)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(scheduler);
        Options = options;
        Scheduler = scheduler;
        executor = new DeployStepExecutor(options);
    }

    public DeployOptions Options { get; }

    public SchedulerOptions Scheduler { get; }

    public IStepExecutor Executor => executor;

    /// <summary>
    /// The operation a stopped run is resumed with: the settings it was started with (its
    /// journal's options: goal, confirm timeout, parallelism, fail-fast, batch size, max-fail,
    /// force), except those the caller names again (<paramref name="given"/>, option names
    /// without dashes), which come from <paramref name="options"/> and <paramref name="scheduler"/>.
    /// </summary>
    public static (DeployOptions Options, SchedulerOptions Scheduler) Recorded(DeployOptions options, SchedulerOptions scheduler, IReadOnlyDictionary<string, string> recorded, IReadOnlySet<string> given)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(scheduler);
        ArgumentNullException.ThrowIfNull(recorded);
        ArgumentNullException.ThrowIfNull(given);
        string? Value(string name) => given.Contains(name) ? null : recorded.GetValueOrDefault(name);
        if (ActivationGoals.TryParse(Value("goal"), out var goal))
        {
            options = options with { Goal = goal };
        }

        if (Value("confirm-timeout") is { } confirm && Durations.TryParse(confirm, out var timeout) && timeout > TimeSpan.Zero)
        {
            options = options with { ConfirmTimeout = timeout };
        }

        if (Value("force") is { } force)
        {
            options = options with { Force = force == "true" };
        }

        if (Value("parallel") is { } parallel && int.TryParse(parallel, NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count > 0)
        {
            scheduler = scheduler with { Parallel = count };
        }

        if (Value("fail-fast") is { } failFast)
        {
            scheduler = scheduler with { FailFast = failFast == "true" };
        }

        if (Value("batch-size") is { } batch)
        {
            scheduler = scheduler with { BatchSize = BatchSize.TryParse(batch, out var size) ? size : null };
        }

        if (Value("max-fail") is { } maxFail)
        {
            scheduler = scheduler with { MaxFailPercent = double.TryParse(maxFail, NumberStyles.Float, CultureInfo.InvariantCulture, out var percent) ? percent : null };
        }

        return (options, scheduler);
    }

    /// <summary>The run's journal metadata: its id (chosen before the lease), inventory, selection and the options a resume reads back.</summary>
    public RunMetadata Metadata(Fleet fleet, Selection selection, string runId)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        ArgumentNullException.ThrowIfNull(selection);
        return new RunMetadata(Name, fleet.SourcePath)
        {
            Id = runId,
            Selection = Describe(selection),
            Options = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, new Dictionary<string, string>
            {
                ["goal"] = ActivationGoals.Name(Options.Goal),
                ["confirm-timeout"] = Options.ConfirmTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture) + "s",
                ["parallel"] = Scheduler.Parallel.ToString(CultureInfo.InvariantCulture),
                ["fail-fast"] = Scheduler.FailFast ? "true" : "false",
                ["batch-size"] = Scheduler.BatchSize?.ToString() ?? "",
                ["max-fail"] = Scheduler.MaxFailPercent?.ToString(CultureInfo.InvariantCulture) ?? "",
                ["force"] = Options.Force ? "true" : "false",
            }),
        };
    }

    /// <summary>Builds every host of the plan in one nix build; a host whose build fails there fails its own build step (the batch's failure is in the journal's build log).</summary>
    public async Task PrebuildAsync(Fleet fleet, RunJournal journal, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(journal);
        var time = Options.TimeProvider;
        try
        {
            await executor.PrebuildAsync(fleet, journal.Plan, line => journal.WriteOutput(null, "build", time.GetUtcNow(), line), cancellationToken).ConfigureAwait(false);
        }
        catch (NixBuildException e)
        {
            journal.WriteOutput(null, "build", time.GetUtcNow(), "the batch build failed; building hosts one by one: " + e.Message);
        }
    }

    /// <summary>Runs the plan's steps (those not in <paramref name="done"/>) in dependency order, journaled, each event also to <paramref name="observer"/>.</summary>
    public Task<RunSummary> RunAsync(Fleet fleet, RunJournal journal, IRunObserver? observer, ImmutableHashSet<string> done, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(journal);
        return new RunScheduler(Options.TimeProvider).RunAsync(journal.Plan, fleet, executor, Scheduler with { CompletedSteps = done }, journal, observer, cancellationToken);
    }

    /// <summary>Hosts the run gave a new system: verified, and whose activation changed them (not already on their closure).</summary>
    public static ImmutableArray<string> DeployedHosts(RunSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        return
        [
            .. summary.Steps.Where(s => s.Kind == StepKinds.Verify && s.Host is not null && s.State == StepState.Succeeded)
                .Select(s => s.Host!)
                .Where(h => summary.Steps.FirstOrDefault(s => s.Host == h && s.Kind == StepKinds.Activate) is { State: StepState.Succeeded } activate
                    && activate.Changed != false)
                .Distinct(),
        ];
    }

    /// <summary>A selection as journals record it: <c>web01</c>, <c>@db</c>, <c>--service vaultwarden</c>, <c>--with-dependents</c>.</summary>
    public static ImmutableArray<string> Describe(Selection selection)
    {
        ArgumentNullException.ThrowIfNull(selection);
        return [.. selection.On, .. selection.Services.Select(s => "--service " + s), .. selection.WithDependents ? ["--with-dependents"] : Array.Empty<string>()];
    }
}
