using System.CommandLine;
using System.Collections.Immutable;
using Flotilla.Execution;
using Flotilla.Execution.Operations;
using Flotilla.Inventory;

namespace Flotilla.Cli.Commands;

/// <summary>
/// <c>--lock-ttl</c> and <c>--lock-wait</c>, which every run that changes hosts takes (deploy,
/// rollback, reboot, upgrade): a run's lease on its hosts expires this long after a killed run
/// stopped renewing it, and a run waits this long for another run's lease on any of its hosts.
/// </summary>
internal sealed class LeaseOptions
{
    public DurationOption LockTtl { get; } = new("--lock-ttl", "This run's lease on its hosts expires this long after it stopped renewing it (a killed orchestrator)", "30m", "30m or 2h");

    public DurationOption LockWait { get; } = new("--lock-wait", "Wait this long for another run that holds any of the same hosts (or the fleet) before giving up (0s: give up at once)", "0s", "0s, 5m or 1h", allowZero: true);

    public IEnumerable<Option> All => [LockTtl, LockWait];

    public void AddTo(Command command)
    {
        foreach (var option in All)
        {
            command.Options.Add(option);
        }
    }

    public LeaseSettings Read(ParseResult parse) => new(LockTtl.Read(parse), LockWait.Read(parse));
}

/// <summary>Takes a <c>migrate</c> run's lease in the state directory's lease file, or prints why not (exit code <see cref="ExitCodes.Busy"/>); the operations in Execution take theirs themselves.</summary>
internal static class RunLeases
{
    /// <summary>The store of the runs started from <paramref name="stateDirectory"/>.</summary>
    public static IHostLeaseStore Store(string stateDirectory) => new FileHostLeaseStore(stateDirectory);

    /// <summary>A non-null code means refused (printed, nothing done); else the lease, to dispose when the run ends.</summary>
    public static async Task<(int? Refused, HostLease? Lease)> TakeAsync(CliContext context, string stateDirectory, HostLeaseRequest request, CancellationToken cancellationToken)
    {
        try
        {
            if (request.Wait > TimeSpan.Zero)
            {
                // Say at once why nothing happens yet.
                var store = Store(stateDirectory);
                try
                {
                    return (null, await HostLease.AcquireAsync(store, request with { Wait = TimeSpan.Zero }, cancellationToken).ConfigureAwait(false));
                }
                catch (HostsBusyException e)
                {
                    await context.Error.WriteLineAsync($"{request.Operation}: waiting up to {request.Wait.TotalSeconds:0} s (--lock-wait): {e.Message}").ConfigureAwait(false);
                }

                return (null, await HostLease.AcquireAsync(store, request, cancellationToken).ConfigureAwait(false));
            }

            return (null, await HostLease.AcquireAsync(Store(stateDirectory), request, cancellationToken).ConfigureAwait(false));
        }
        catch (HostsBusyException e)
        {
            await context.Error.WriteLineAsync($"{request.Operation}: {e.Message}; nothing was done").ConfigureAwait(false);
            return (ExitCodes.Busy, null);
        }
    }

    /// <summary>A request for the hosts of a plan.</summary>
    public static HostLeaseRequest For(string operation, IEnumerable<string> hosts, LeaseSettings settings) =>
        new(operation, [.. hosts]) { Ttl = settings.Ttl, Wait = settings.Wait };
}
