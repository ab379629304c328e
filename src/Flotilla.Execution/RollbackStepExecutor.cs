using Flotilla.Planning;

namespace Flotilla.Execution;

/// <summary>
/// Runs the steps of a rollback plan: <c>rollback:H</c> is <see cref="HostRollback"/> (the
/// previous generation under the watchdog, health gates, then confirmed or back to where it
/// was); <c>verify:H</c> runs the host's health checks once more, so a host goes back only when
/// the hosts that depend on it are healthy on theirs. Thread safe.
/// </summary>
public sealed class RollbackStepExecutor(DeployOptions? options = null) : IStepExecutor
{
    private readonly HostRollback rollback = new(options);
    private readonly HostHealth health = new(options);

    public async Task<StepResult> ExecuteAsync(PlanStep step, StepContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(step);
        ArgumentNullException.ThrowIfNull(context);
        if (context.Host is not { } host)
        {
            return StepResult.Succeeded();
        }

        void Output(string line) => context.Output.Line(step, line);
        switch (step.Kind)
        {
            case StepKind.Rollback:
                return await rollback.RollbackAsync(context.Fleet, host, Output, cancellationToken).ConfigureAwait(false);
            case StepKind.Verify:
                var report = await health.CheckAsync(context.Fleet, host, Output, cancellationToken).ConfigureAwait(false);
                return report.Healthy ? StepResult.Succeeded(report.Message) : StepResult.Failed($"verify:{host.Name}: {report.Message}");
            case StepKind.Build or StepKind.Copy or StepKind.Keys or StepKind.KeysPost or StepKind.Pull or StepKind.Activate or StepKind.Container
                or StepKind.Gate or StepKind.Terraform or StepKind.Wait or StepKind.Reboot or StepKind.Migrate or StepKind.Unmigrate:
                return StepResult.Failed($"{step.Id}: a rollback plan has no {step.Kind.ToName()} steps");
            default:
                throw new ArgumentOutOfRangeException(nameof(step), step.Kind, "not a step kind");
        }
    }
}
