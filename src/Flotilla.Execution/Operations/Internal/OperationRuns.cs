using System.Collections.Immutable;
using Flotilla.Inventory;
using Flotilla.Planning;

namespace Flotilla.Execution.Operations.Internal;

/// <summary>What the operations share: leases taken with a note while they wait, and a journaled run watched by the view.</summary>
internal static class OperationRuns
{
    /// <summary>The hosts a plan changes: every host one of its steps runs on.</summary>
    public static ImmutableArray<string> HostsOf(Plan plan) =>
        [.. plan.Steps.Select(s => s.Host).OfType<string>().Distinct(StringComparer.Ordinal)];

    public static HostLeaseRequest LeaseFor(OperationEnvironment environment, string operation, IEnumerable<string> hosts, LeaseSettings settings) =>
        new(operation, [.. hosts]) { Ttl = settings.Ttl, Wait = settings.Wait, TimeProvider = environment.TimeProvider };

    /// <summary>The lease, or why not: another run holds hosts of it (after saying, once, that it waits when it may).</summary>
    public static async Task<(OperationRefusal? Refused, HostLease? Lease)> TakeLeaseAsync(OperationEnvironment environment, HostLeaseRequest request, CancellationToken cancellationToken)
    {
        try
        {
            if (request.Wait > TimeSpan.Zero)
            {
                // Say at once why nothing happens yet.
                try
                {
                    return (null, await HostLease.AcquireAsync(environment.Leases, request with { Wait = TimeSpan.Zero }, cancellationToken).ConfigureAwait(false));
                }
                catch (HostsBusyException e)
                {
                    environment.View.Note(new LeaseWaiting(request.Operation, request.Wait, e.Holder, e.Message));
                }
            }

            return (null, await HostLease.AcquireAsync(environment.Leases, request, cancellationToken).ConfigureAwait(false));
        }
        catch (HostsBusyException e)
        {
            return (new HostsBusy(request.Operation, e.Holder, e.InCommon, e.Message), null);
        }
        catch (ControlPlaneException e)
        {
            return (new LeasesUnavailable(request.Operation, environment.Leases.Location, e.Message), null);
        }
    }

    /// <summary>Says the run is starting, prepares it (the batch build), then runs its plan watched by the view.</summary>
    public static async Task<RunSummary> RunAsync(
        OperationEnvironment environment,
        string operation,
        Fleet fleet,
        RunJournal journal,
        IStepExecutor executor,
        SchedulerOptions scheduler,
        string verb,
        Func<Task>? prepare,
        ImmutableHashSet<string> done,
        CancellationToken cancellationToken)
    {
        var hosts = journal.Plan.Steps.Select(s => s.Host).OfType<string>().Distinct().Count();
        var starting = new RunStarting(operation, journal.Id, verb, hosts, journal.RunDirectory, journal.LogPath);
        environment.View.Note(starting);
        if (prepare is not null)
        {
            await prepare().ConfigureAwait(false);
        }

        return await environment.View.WatchAsync(
            starting,
            observer => new RunScheduler(environment.TimeProvider).RunAsync(journal.Plan, fleet, executor, scheduler with { CompletedSteps = done }, journal, observer, cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>The selectors as a person gives them, for the journal (<c>web01</c>, <c>@db</c>, <c>--service S</c>, <c>--with-dependents</c>).</summary>
    public static ImmutableArray<string> Describe(Selection selection) =>
        [.. selection.On, .. selection.Services.Select(s => "--service " + s), .. selection.WithDependents ? ["--with-dependents"] : Array.Empty<string>()];
}
