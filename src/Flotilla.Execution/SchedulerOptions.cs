using System.Collections.Immutable;

namespace Flotilla.Execution;

/// <summary>How <see cref="RunScheduler"/> runs a plan. Immutable.</summary>
public sealed record SchedulerOptions
{
    public const int DefaultParallel = 10;

    /// <summary>At most this many steps run at once (<c>--parallel</c>); at least 1.</summary>
    public int Parallel { get; init; } = DefaultParallel;

    /// <summary>After the first failure nothing new starts; running steps finish (<c>--fail-fast</c>).</summary>
    public bool FailFast { get; init; }

    /// <summary>
    /// Hosts are grouped by their first tag (untagged hosts form one group); in each group the
    /// activate steps run in batches of this size, a batch starting only when every host of the
    /// batches before it is done (verified, failed or skipped). Null: no batches.
    /// </summary>
    public BatchSize? BatchSize { get; init; }

    /// <summary>
    /// When more than this percentage of a group's hosts failed, the group's hosts that have not
    /// started activating are skipped (<c>--max-fail</c>, as Ansible's max_fail_percentage). Null: no limit.
    /// </summary>
    public double? MaxFailPercent { get; init; }

    /// <summary>Ids of steps a resumed run already did (<see cref="RunResume.CompletedSteps(RunJournal)"/>); they count as succeeded and do not run.</summary>
    public ImmutableHashSet<string> CompletedSteps { get; init; } = ImmutableHashSet<string>.Empty;
}
