using System.Collections.Concurrent;
using Flotilla.Execution.Internal;
using Flotilla.Planning;

namespace Flotilla.Execution;

/// <summary>
/// Runs the steps of a reboot plan: <c>wait:H</c> waits the host's reboot delay; <c>reboot:H</c>
/// refuses when the maintenance window has closed, else reboots the host and waits for its new
/// boot id (<see cref="HostReboot"/>); <c>verify:H</c> checks that it booted its profile's
/// default system and runs its health gates. A failure stops the chain: the hosts after it are
/// skipped by the scheduler, with the reason. Thread safe.
/// </summary>
public sealed class RebootStepExecutor(RebootOptions? options = null) : IStepExecutor
{
    private readonly RebootOptions options = options ?? new RebootOptions();
    private readonly ConcurrentDictionary<string, BootState> boots = new();

    public async Task<StepResult> ExecuteAsync(PlanStep step, StepContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(step);
        ArgumentNullException.ThrowIfNull(context);
        var host = context.Host ?? (step.Host is { } name ? context.Fleet.FindHost(name) : null);
        if (host is null)
        {
            return StepResult.Succeeded();
        }

        void Output(string line) => context.Output.Line(step, line);
        var time = options.Deploy.TimeProvider;
        switch (step.Kind)
        {
            case StepKind.Wait:
                if (step.Delay is { } delay && delay > TimeSpan.Zero)
                {
                    await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
                }

                return StepResult.Succeeded($"waited {(step.Delay ?? TimeSpan.Zero).TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)} s");
            case StepKind.Reboot:
                if (host.Platform != Inventory.Platform.NixOS)
                {
                    return StepResult.Failed($"reboot:{host.Name}: {host.Name} is a {host.Platform} host; flotilla reboot reboots NixOS hosts (it reads the boot id from /proc and asks systemd to reboot); reboot it by hand");
                }

                if (options.Window is { } window && window.StateAt(time) is { IsOpen: false } closed)
                {
                    return StepResult.Failed($"reboot:{host.Name}: the maintenance window {window} has closed; the next opens {window.Describe(closed.OpensAt!.Value)}; {host.Name} and the hosts after it were not rebooted");
                }

                var (result, boot) = await new HostReboot(options).RebootAsync(host, Output, cancellationToken).ConfigureAwait(false);
                if (boot is not null)
                {
                    boots[host.Name] = boot;
                }

                return result;
            case StepKind.Verify:
                var booted = HostReboot.CheckBooted(host, boots.TryGetValue(host.Name, out var known) ? known : await new HostReboot(options).ReadAsync(host, cancellationToken).ConfigureAwait(false));
                if (booted.State != StepState.Succeeded)
                {
                    return booted;
                }

                Output(booted.Message!);
                var report = await new HealthChecker(options.Deploy.Transports, time).CheckAsync(context.Fleet, host, Output, cancellationToken).ConfigureAwait(false);
                return report.Passed
                    ? StepResult.Succeeded($"{booted.Message}; {report.Message}")
                    : StepResult.Failed($"verify:{host.Name}: back after the reboot but unhealthy: {report.Message}; the hosts after it are not rebooted");
            case StepKind.Build or StepKind.Copy or StepKind.Keys or StepKind.KeysPost or StepKind.Pull or StepKind.Activate or StepKind.Container
                or StepKind.Gate or StepKind.Terraform or StepKind.Rollback or StepKind.Migrate or StepKind.Unmigrate:
                return StepResult.Failed($"{step.Id}: a reboot plan has no {step.Kind.ToName()} steps");
            default:
                throw new ArgumentOutOfRangeException(nameof(step), step.Kind, "not a step kind");
        }
    }
}
