using System.Collections.Immutable;
using Flotilla.Execution.Operations.Internal;
using Flotilla.Inventory;
using Flotilla.Planning;

namespace Flotilla.Execution.Operations;

/// <summary>What a migration run is asked to do: the services (in dependency order), to their containers or back (<paramref name="Rollback"/>). Immutable.</summary>
/// <param name="HostStateDirectory">Where each host keeps its migration records (it must survive a reboot).</param>
public sealed record MigrateRequest(IReadOnlyList<Service> Services, bool Rollback, string HostStateDirectory)
{
    public LeaseSettings Lease { get; init; } = LeaseSettings.Default;
}

/// <summary>
/// The migration of services between the NixOS units they replace and their containers
/// (<see cref="MigrationRunner"/>): one journaled step per service, one at a time in dependency
/// order, over SSH, under a lease on their hosts; a stopped run resumes with its own settings. Thread safe.
/// </summary>
public sealed class MigrateOperation(OperationEnvironment environment)
{
    public const string Name = "migrate";

    private const string DirectionOption = "direction";
    private const string HostStateOption = "host-state";

    public async Task<RunOutcome> RunAsync(Fleet fleet, MigrateRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        ArgumentNullException.ThrowIfNull(request);
        if (request.Services.Count == 0)
        {
            throw new ArgumentException("a migration needs at least one service", nameof(request));
        }

        var plan = MigrationStepExecutor.Plan(request.Services, request.Rollback);
        var runId = RunJournal.NewId(environment.StateDirectory, environment.TimeProvider);
        var hosts = request.Services.Select(s => s.Host).Distinct(StringComparer.Ordinal);
        var (refused, lease) = await OperationRuns.TakeLeaseAsync(environment, OperationRuns.LeaseFor(environment, Name, hosts, request.Lease) with { RunId = runId }, cancellationToken).ConfigureAwait(false);
        if (refused is not null)
        {
            return RunOutcome.Refused(refused);
        }

        await using (lease!.ConfigureAwait(false))
        {
            var metadata = new RunMetadata(Operation.Migrate, fleet.SourcePath)
            {
                StartedBy = environment.StartedBy,
                Id = runId,
                Selection = [.. request.Services.Select(s => $"{s.Host}/{s.Name}")],
                Options = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, new Dictionary<string, string>
                {
                    [DirectionOption] = request.Rollback ? "rollback" : "container",
                    [HostStateOption] = request.HostStateDirectory,
                }),
            };
            await using var journal = await RunJournal.CreateAsync(environment.StateDirectory, plan, metadata, environment.TimeProvider, cancellationToken).ConfigureAwait(false);
            return RunOutcome.Ran(await RunJournaledAsync(fleet, journal, request.Rollback, request.HostStateDirectory, [], cancellationToken).ConfigureAwait(false));
        }
    }

    /// <summary>
    /// Continues the stopped migration run <paramref name="journal"/> under a new lease on the hosts
    /// it still has services on; its finished services are not redone. The host state directory is
    /// the run's own unless <paramref name="hostStateDirectory"/> names another.
    /// </summary>
    public async Task<RunOutcome> ResumeAsync(Fleet fleet, RunJournal journal, string? hostStateDirectory, LeaseSettings leaseSettings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        ArgumentNullException.ThrowIfNull(journal);
        if (journal.Info.Operation != Operation.Migrate)
        {
            return RunOutcome.Refused(new NotResumable(Name, journal.Id, journal.Info.Operation.ToName()));
        }

        hostStateDirectory ??= journal.Info.Options.GetValueOrDefault(HostStateOption) ?? new MigrationOptions().HostStateDirectory;
        var rollback = journal.Info.Options.GetValueOrDefault(DirectionOption) == "rollback";
        var done = RunResume.CompletedSteps(journal);
        var remaining = journal.Plan.Steps.Where(s => s.Host is not null && !done.Contains(s.Id)).Select(s => s.Host!).Distinct(StringComparer.Ordinal);
        var (refused, lease) = await OperationRuns.TakeLeaseAsync(environment, OperationRuns.LeaseFor(environment, Name, remaining, leaseSettings) with { RunId = journal.Id }, cancellationToken).ConfigureAwait(false);
        if (refused is not null)
        {
            return RunOutcome.Refused(refused);
        }

        await using (lease!.ConfigureAwait(false))
        {
            environment.View.Note(new RunResuming(Name, journal.Id, done.Count, journal.Plan.Steps.Length));
            return RunOutcome.Ran(await RunJournaledAsync(fleet, journal, rollback, hostStateDirectory, done, cancellationToken).ConfigureAwait(false));
        }
    }

    private Task<RunSummary> RunJournaledAsync(Fleet fleet, RunJournal journal, bool rollback, string hostStateDirectory, ImmutableHashSet<string> done, CancellationToken cancellationToken)
    {
        var executor = environment.Executor ?? new MigrationStepExecutor(null, new MigrationOptions { HostStateDirectory = hostStateDirectory });
        // One service at a time: each stops a unit and starts a container on shared ports and data.
        var scheduler = new SchedulerOptions { Parallel = 1 };
        return OperationRuns.RunAsync(environment, Name, fleet, journal, executor, scheduler, rollback ? "rolling back migrations on" : "migrating services on", null, done, cancellationToken);
    }
}
