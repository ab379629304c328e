using Flotilla.Inventory;

namespace Flotilla.Execution;

/// <summary>
/// What a host's <see cref="DeployStrategy"/> asks of the step executor. The plan keeps one
/// activate and one verify step per host whatever the strategy; the strategy is the executor's
/// concern, and this record tells it which <c>switch-to-configuration</c> goals to use:
/// <list type="bullet">
/// <item><c>rolling</c> (the default): activate with <c>switch</c>; batches come from the scheduler.</item>
/// <item><c>blue-green</c>: activate with <c>test</c> (the boot default stays the old generation);
/// the verify step, once its health checks pass, activates again with <c>switch</c>
/// (<see cref="PromoteGoal"/>), making the new generation the boot default, and only then confirms.</item>
/// <item><c>recreate</c>: activate with <c>boot</c>, then reboot the host (<see cref="RebootAfterActivation"/>).
/// The reboot belongs to the activate step's executor and is future work: no executor does it yet.</item>
/// </list>
/// Immutable.
/// </summary>
public sealed record StrategyActivation(string Goal, string? PromoteGoal, bool RebootAfterActivation)
{
    public const string Switch = "switch";
    public const string Boot = "boot";
    public const string Test = "test";
    public const string DryActivate = "dry-activate";

    public static StrategyActivation For(DeployStrategy strategy) => strategy switch
    {
        DeployStrategy.Rolling => new(Switch, null, false),
        DeployStrategy.BlueGreen => new(Test, Switch, false),
        DeployStrategy.Recreate => new(Boot, null, true),
        _ => throw new ArgumentOutOfRangeException(nameof(strategy), strategy, "unknown deploy strategy"),
    };

    public static StrategyActivation For(Host host)
    {
        ArgumentNullException.ThrowIfNull(host);
        return For(host.DeployStrategy);
    }
}
