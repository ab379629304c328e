using Flotilla.Execution.Internal;
using Flotilla.Inventory;

namespace Flotilla.Execution;

/// <summary>
/// <c>flotilla rollback</c> for one host: the previous generation of its profile (the system
/// profile, or a home-manager host's user profile) is activated the platform's way under the same
/// watchdog as a deploy, then the health gates decide: confirmed, or the host goes back to the
/// generation it had. Thread safe.
/// </summary>
public sealed class HostRollback
{
    private readonly DeployOptions options;
    private readonly HostActivator activator;
    private readonly HealthChecker health;
    private readonly HostTransports ssh;

    public HostRollback(DeployOptions? options = null)
    {
        this.options = options ?? new DeployOptions();
        ssh = this.options.Transports;
        activator = new HostActivator(ssh);
        health = new HealthChecker(ssh, this.options.TimeProvider);
    }

    public async Task<StepResult> RollbackAsync(Fleet fleet, Host host, Action<string>? onLine = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        ArgumentNullException.ThrowIfNull(host);
        var output = onLine ?? (_ => { });
        var outcome = await activator.ActivateAsync(host, null, StrategyActivation.Switch, options.ConfirmTimeout, output, cancellationToken).ConfigureAwait(false);

        if (outcome.State == ActivationState.Lost)
        {
            return StepResult.Failed($"rollback:{host.Name}: lost the connection to {host.Target}; unless confirmed, the host returns to its current generation within {options.ConfirmTimeout.TotalSeconds:0} s\n{outcome.Tail(5)}");
        }

        if (outcome.State != ActivationState.Pending || outcome.Status != 0)
        {
            return outcome.State == ActivationState.RolledBack
                ? StepResult.RolledBack($"rollback:{host.Name}: the previous generation failed to activate; {host.Name} stays on its current generation\n{outcome.Tail()}")
                : StepResult.Failed($"rollback:{host.Name}: no previous generation to go back to, or setting it failed ({outcome.Outcome})\n{outcome.Tail()}");
        }

        return await DeployStepExecutor.GateAndConfirmAsync(activator, health, ssh, fleet, host, outcome.Directory, null, output, cancellationToken).ConfigureAwait(false);
    }
}
