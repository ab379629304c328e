using System.Collections.Immutable;
using System.Globalization;
using Flotilla.Execution.Operations.Internal;
using Flotilla.Inventory;
using Flotilla.Planning;

namespace Flotilla.Execution.Operations;

/// <summary>What a deploy is asked to do: which hosts, how (the run's options), and how it holds its lease. Immutable.</summary>
public sealed record DeployRequest(Selection Selection, DeployOptions Options, SchedulerOptions Scheduler)
{
    /// <summary>How the run holds its lease on the hosts it deploys (<c>--lock-ttl</c>, <c>--lock-wait</c>).</summary>
    public LeaseSettings Lease { get; init; } = LeaseSettings.Default;
}

/// <summary><c>deploy --reboot</c>: the deploy, then the reboot sequence over the hosts it gave a new boot system (null when none, or the deploy did not run). Immutable.</summary>
public sealed record DeployRebootOutcome(int ExitCode, RunOutcome Deploy, RunOutcome? Reboot);

/// <summary>
/// The deploy: plans, takes the lease on the plan's hosts (a run that holds any of them refuses or
/// delays this one), journals the run with its options, builds every host in one nix build and
/// runs the plan (copy, keys, activation under the watchdog, health gates, confirmation). Resumes a
/// stopped run with the options its journal recorded. Thread safe; one instance serves many runs.
/// </summary>
public sealed class DeployOperation(OperationEnvironment environment)
{
    public const string Name = "deploy";

    /// <summary>Deploys <paramref name="request"/>'s hosts of <paramref name="fleet"/> under a lease of its own.</summary>
    public Task<RunOutcome> RunAsync(Fleet fleet, DeployRequest request, CancellationToken cancellationToken = default) =>
        RunAsync(fleet, request, held: null, cancellationToken);

    /// <summary>
    /// As <see cref="RunAsync(Fleet, DeployRequest, CancellationToken)"/>, under <paramref name="held"/> when the
    /// caller holds a lease that covers the plan's hosts (upgrade, <c>deploy --reboot</c>), else under a lease of its own.
    /// </summary>
    internal async Task<RunOutcome> RunAsync(Fleet fleet, DeployRequest request, HostLease? held, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        ArgumentNullException.ThrowIfNull(request);
        var planned = Planner.Build(fleet, Operation.Deploy, request.Selection);
        if (!planned.Succeeded)
        {
            return RunOutcome.Refused(new InputInvalid(Name, [.. planned.Errors]));
        }

        var hosts = OperationRuns.HostsOf(planned.Plan);
        // The run is named before its journal exists, so that its lease names it from the start.
        var runId = RunJournal.NewId(environment.StateDirectory, environment.TimeProvider);
        HostLease? own = null;
        if (held is null || !held.Covers(hosts))
        {
            (var refused, own) = await OperationRuns.TakeLeaseAsync(environment, OperationRuns.LeaseFor(environment, Name, hosts, request.Lease) with { RunId = runId }, cancellationToken).ConfigureAwait(false);
            if (refused is not null)
            {
                return RunOutcome.Refused(refused);
            }
        }

        try
        {
            var metadata = new RunMetadata(Operation.Deploy, fleet.SourcePath)
            {
                StartedBy = environment.StartedBy,
                Id = runId,
                Selection = OperationRuns.Describe(request.Selection),
                Options = RecordedOptions(request),
            };
            await using var journal = await RunJournal.CreateAsync(environment.StateDirectory, planned.Plan, metadata, environment.TimeProvider, cancellationToken).ConfigureAwait(false);
            if (own is null)
            {
                await held!.AttachRunAsync(journal.Id, cancellationToken).ConfigureAwait(false);
            }

            return RunOutcome.Ran(await RunJournaledAsync(fleet, journal, request, ImmutableHashSet<string>.Empty, cancellationToken).ConfigureAwait(false));
        }
        finally
        {
            if (own is not null)
            {
                await own.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Continues the stopped run <paramref name="journal"/> under a new lease on the hosts it still
    /// has steps to run on, with the options the run was started with (<see cref="WithRunOptions"/>):
    /// of <paramref name="request"/>, only what <paramref name="given"/> names (option names
    /// without dashes) replaces them.
    /// </summary>
    public async Task<RunOutcome> ResumeAsync(Fleet fleet, RunJournal journal, DeployRequest request, IReadOnlySet<string> given, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        ArgumentNullException.ThrowIfNull(journal);
        if (journal.Info.Operation != Operation.Deploy)
        {
            return RunOutcome.Refused(new NotResumable(Name, journal.Id, journal.Info.Operation.ToName()));
        }

        request = WithRunOptions(request, journal.Info.Options, given);
        var done = RunResume.CompletedSteps(journal);
        var remaining = journal.Plan.Steps.Where(s => s.Host is not null && !done.Contains(s.Id)).Select(s => s.Host!).Distinct(StringComparer.Ordinal);
        var (refused, lease) = await OperationRuns.TakeLeaseAsync(environment, OperationRuns.LeaseFor(environment, Name, remaining, request.Lease) with { RunId = journal.Id }, cancellationToken).ConfigureAwait(false);
        if (refused is not null)
        {
            return RunOutcome.Refused(refused);
        }

        await using (lease!.ConfigureAwait(false))
        {
            environment.View.Note(new RunResuming(Name, journal.Id, done.Count, journal.Plan.Steps.Length));
            return RunOutcome.Ran(await RunJournaledAsync(fleet, journal, request, done, cancellationToken).ConfigureAwait(false));
        }
    }

    /// <summary>
    /// <c>deploy --reboot</c>: inside the window and under a lease on the whole fleet, the deploy
    /// (its goal should be boot), then the reboot sequence over the hosts it deployed (verified,
    /// and not already on their closure).
    /// </summary>
    public async Task<DeployRebootOutcome> RunThenRebootAsync(Fleet fleet, DeployRequest request, MaintenanceSettings settings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var reboots = new RebootOperation(environment);
        var (refused, held) = await reboots.EnterAsync(settings, Name, cancellationToken).ConfigureAwait(false);
        if (refused is not null)
        {
            var outcome = RunOutcome.Refused(refused);
            return new(outcome.ExitCode, outcome, null);
        }

        await using (held!.ConfigureAwait(false))
        {
            var deployed = await RunAsync(fleet, request, held, cancellationToken).ConfigureAwait(false);
            if (deployed.Summary is null)
            {
                return new(deployed.ExitCode, deployed, null);
            }

            var toReboot = DeployedHosts(deployed.Summary);
            environment.View.Note(new DeployedHostsRebooting(Name, toReboot));
            if (toReboot.IsEmpty)
            {
                return new(deployed.ExitCode, deployed, null);
            }

            var rebooted = await reboots.RebootAsync(fleet, new RebootRequest(new Selection { On = toReboot }, settings, OnlyIfNeeded: false) { Agents = request.Options.Agents }, held!, cancellationToken).ConfigureAwait(false);
            return new(Math.Max(deployed.ExitCode, rebooted.ExitCode), deployed, rebooted);
        }
    }

    private Task<RunSummary> RunJournaledAsync(Fleet fleet, RunJournal journal, DeployRequest request, ImmutableHashSet<string> done, CancellationToken cancellationToken)
    {
        var executor = environment.Executor ?? new DeployStepExecutor(request.Options);
        return OperationRuns.RunAsync(environment, Name, fleet, journal, executor, request.Scheduler, "deploying", PrebuildAsync, done, cancellationToken);

        async Task PrebuildAsync()
        {
            if (executor is not DeployStepExecutor deploy)
            {
                return;
            }

            try
            {
                // One nix build for every host; a host whose build fails there fails its own build step.
                await deploy.PrebuildAsync(fleet, journal.Plan, line => journal.WriteOutput(null, "build", environment.TimeProvider.GetUtcNow(), line), cancellationToken).ConfigureAwait(false);
            }
            catch (NixBuildException e)
            {
                journal.WriteOutput(null, "build", environment.TimeProvider.GetUtcNow(), "the batch build failed; building hosts one by one: " + e.Message);
            }
        }
    }

    /// <summary>Hosts the run gave a new system: verified, and whose activation changed them (not already on their closure).</summary>
    public static ImmutableArray<string> DeployedHosts(RunSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        return
        [
            .. summary.Steps.Where(s => s.Kind == StepKind.Verify && s.Host is not null && s.State == StepState.Succeeded)
                .Select(s => s.Host!)
                .Where(h => summary.Steps.FirstOrDefault(s => s.Host == h && s.Kind == StepKind.Activate) is { State: StepState.Succeeded } activate
                    && activate.Changed != false)
                .Distinct(),
        ];
    }

    /// <summary>The selectors as a person gives them, as journals record them (<c>web01</c>, <c>@db</c>, <c>--service S</c>, <c>--with-dependents</c>).</summary>
    public static ImmutableArray<string> Describe(Selection selection)
    {
        ArgumentNullException.ThrowIfNull(selection);
        return OperationRuns.Describe(selection);
    }

    /// <summary>
    /// A resumed run goes on with the settings it was started with (its journal's options: goal,
    /// confirm timeout, parallelism, fail-fast, batch size, max-fail, force, substituters,
    /// terraform), except those the command line names again (<paramref name="given"/>, option
    /// names without dashes).
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

        // Recorded since issue 16: journals written before have neither key, and resume with what the command line says.
        if (recorded.ContainsKey("substituters") && !given.Contains("substituters"))
        {
            options = options with { Substituters = NullIfNone(recorded["substituters"]) };
        }

        if (recorded.ContainsKey("terraform") && !given.Contains("terraform"))
        {
            options = options with { Terraform = NullIfNone(recorded["terraform"]) };
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

    /// <summary>The options a deploy's journal records (<c>run.json</c>), read back by <see cref="WithRunOptions"/>.</summary>
    public static ImmutableSortedDictionary<string, string> RecordedOptions(DeployRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, new Dictionary<string, string>
        {
            ["goal"] = ActivationGoals.Name(request.Options.Goal),
            ["confirm-timeout"] = request.Options.ConfirmTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture) + "s",
            ["parallel"] = request.Scheduler.Parallel.ToString(CultureInfo.InvariantCulture),
            ["fail-fast"] = request.Scheduler.FailFast ? "true" : "false",
            ["batch-size"] = request.Scheduler.BatchSize?.ToString() ?? "",
            ["max-fail"] = request.Scheduler.MaxFailPercent?.ToString(CultureInfo.InvariantCulture) ?? "",
            ["force"] = request.Options.Force ? "true" : "false",
            ["substituters"] = request.Options.Substituters ?? None,
            ["terraform"] = request.Options.Terraform ?? None,
        });
    }

    /// <summary>How the journal records an option that was not set (null), as opposed to set to "" (substituters "": none at all).</summary>
    private const string None = "(default)";

    private static string? NullIfNone(string value) => value == None ? null : value;
}
