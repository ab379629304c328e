using System.Collections.Immutable;
using System.Globalization;
using Flotilla.Execution.Operations.Internal;
using Flotilla.Inventory;
using Flotilla.Planning;

namespace Flotilla.Execution.Operations;

/// <summary>What a rollback is asked to do. Immutable.</summary>
/// <param name="ConfirmTimeout">How long a host waits for confirmation before it returns to the generation it had.</param>
/// <param name="Parallel">How many steps run at once.</param>
public sealed record RollbackRequest(Selection Selection, TimeSpan ConfirmTimeout, int Parallel)
{
    public LeaseSettings Lease { get; init; } = LeaseSettings.Default;

    /// <summary>The agents of the run's control plane (<c>--server</c>), or null: every host over SSH.</summary>
    public AgentTransport? Agents { get; init; }
}

/// <summary>
/// The rollback: the selected hosts go back to their previous generation, in reverse dependency
/// order (a host before the hosts it depends on), each under the watchdog and its health gates,
/// as a journaled run, under a lease on the selected hosts. Thread safe.
/// </summary>
public sealed class RollbackOperation(OperationEnvironment environment)
{
    public const string Name = "rollback";

    public async Task<RunOutcome> RunAsync(Fleet fleet, RollbackRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        ArgumentNullException.ThrowIfNull(request);
        var planned = Planner.Build(fleet, Operation.Rollback, request.Selection);
        if (!planned.Succeeded)
        {
            return RunOutcome.Refused(new InputInvalid(Name, [.. planned.Errors]));
        }

        var runId = RunJournal.NewId(environment.StateDirectory, environment.TimeProvider);
        var (refused, lease) = await OperationRuns.TakeLeaseAsync(environment, OperationRuns.LeaseFor(environment, Name, OperationRuns.HostsOf(planned.Plan), request.Lease) with { RunId = runId }, cancellationToken).ConfigureAwait(false);
        if (refused is not null)
        {
            return RunOutcome.Refused(refused);
        }

        await using (lease!.ConfigureAwait(false))
        {
            var metadata = new RunMetadata(Operation.Rollback, fleet.SourcePath)
            {
                StartedBy = environment.StartedBy,
                Id = runId,
                Selection = OperationRuns.Describe(request.Selection),
                Options = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, new Dictionary<string, string>
                {
                    ["confirm-timeout"] = request.ConfirmTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture) + "s",
                    ["parallel"] = request.Parallel.ToString(CultureInfo.InvariantCulture),
                }),
            };
            await using var journal = await RunJournal.CreateAsync(environment.StateDirectory, planned.Plan, metadata, environment.TimeProvider, cancellationToken).ConfigureAwait(false);
            var executor = environment.Executor ?? new RollbackStepExecutor(new DeployOptions { ConfirmTimeout = request.ConfirmTimeout, Agents = request.Agents });
            var scheduler = new SchedulerOptions { Parallel = Math.Max(1, request.Parallel) };
            return RunOutcome.Ran(await OperationRuns.RunAsync(environment, Name, fleet, journal, executor, scheduler, "rolling back", null, [], cancellationToken).ConfigureAwait(false));
        }
    }
}
