using System.Collections.Immutable;
using System.Globalization;
using Flotilla.Inventory;
using Flotilla.Planning;

namespace Flotilla.Execution;

/// <summary>
/// A reboot sequence as the engine runs it: one host at a time in the plan's order, each rebooted,
/// waited for and verified before the next, stopping at the first failure
/// (<see cref="RebootStepExecutor"/>); the options its journal records. The front end chooses the
/// hosts (<c>--only-if-needed</c>), plans (<see cref="Operation.Reboot"/>), leases the fleet,
/// makes the journal with <see cref="Metadata"/> and shows progress.
/// </summary>
public sealed class RebootOperation(RebootOptions options, bool onlyIfNeeded)
{
    public const string Name = "reboot";

    /// <summary>One host at a time: the plan is a chain, and a failure must stop it.</summary>
    public static readonly SchedulerOptions Scheduler = new() { Parallel = 1, FailFast = true };

    private readonly RebootStepExecutor executor = new(options);

    public RunMetadata Metadata(Fleet fleet, Selection selection)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        return new RunMetadata(Name, fleet.SourcePath)
        {
            Selection = DeployOperation.Describe(selection),
            Options = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, new Dictionary<string, string>
            {
                ["boot-timeout"] = options.BootTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture) + "s",
                ["only-if-needed"] = onlyIfNeeded ? "true" : "false",
                ["window"] = options.Window?.ToString() ?? "",
            }),
        };
    }

    public Task<RunSummary> RunAsync(Fleet fleet, RunJournal journal, IRunObserver? observer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(journal);
        return new RunScheduler(options.Deploy.TimeProvider).RunAsync(journal.Plan, fleet, executor, Scheduler, journal, observer, cancellationToken);
    }
}
