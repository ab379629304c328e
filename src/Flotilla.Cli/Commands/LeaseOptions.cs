using System.CommandLine;
using System.Collections.Immutable;
using Flotilla.Execution;
using Flotilla.Execution.Operations;
using Flotilla.Inventory;

namespace Flotilla.Cli.Commands;

/// <summary>
/// <c>--lock-ttl</c> and <c>--lock-wait</c>, which every run that changes hosts takes (deploy,
/// rollback, reboot, upgrade, migrate): a run's lease on its hosts expires this long after a killed run
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
