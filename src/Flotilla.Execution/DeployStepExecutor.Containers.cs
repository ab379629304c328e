using Flotilla.Execution.Internal;
using Flotilla.Inventory;
using Flotilla.Planning;

namespace Flotilla.Execution;

/// <summary>The deploy's container steps: images made present before activation, each container gated after it.</summary>
public sealed partial class DeployStepExecutor
{
    // A constant script: kinds and values arrive as positional pairs, quoted by RemoteShell.
    private const string PullScript = """
        if ! command -v podman >/dev/null 2>&1; then
          echo "podman is not installed on this host: enable virtualisation.podman (or oci-containers' podman backend)" >&2
          exit 3
        fi
        rc=0
        while [ $# -gt 1 ]; do
          kind=$1 value=$2
          shift 2
          if [ "$kind" = file ]; then
            if podman load -q -i "$value" >/dev/null; then echo "loaded: $value"; else echo "cannot load the image file $value" >&2; rc=1; fi
          elif podman image exists "$value"; then
            echo "present: $value"
          elif podman pull -q "$value" >/dev/null; then
            echo "pulled: $value"
          else
            echo "cannot pull $value" >&2
            rc=1
          fi
        done
        exit $rc
        """;

    private const string RestartIfRunningScript = """
        [ "$(podman container inspect --format '{{.State.Status}}' "$1" 2>/dev/null)" = running ] || { echo "not running"; exit 0; }

        """ + ContainerUpdater.RestartScript;

    /// <summary>Restarts exactly the running containers of the host whose secrets changed in this upload.</summary>
    private async Task RestartForChangedSecretsAsync(Fleet fleet, Host host, IReadOnlyList<Key> changed, Action<string> output, CancellationToken cancellationToken)
    {
        if (changed.Count == 0)
        {
            return;
        }

        foreach (var service in fleet.Services.Where(s => s.Host == host.Name && s.Container is { Secrets.Length: > 0 }))
        {
            var name = ContainerRun.NameOf(service);
            var directory = ContainerRun.SecretsDirectory(name, service.Container!);
            var secrets = changed.Where(k => k.DestDir == directory && service.Container!.Secrets.Any(s => s.Name == k.Name)).Select(k => k.Name).ToList();
            if (secrets.Count == 0)
            {
                continue;
            }

            var result = await ssh.RunCommandAsync(host, RemoteShell.Script(RestartIfRunningScript, name), null, null, cancellationToken).ConfigureAwait(false);
            output(result.Output.Contains("not running", StringComparison.Ordinal)
                ? $"secret {string.Join(", ", secrets)} of container {name} changed; it is not running, so it reads it when it starts"
                : result.Succeeded
                    ? $"secret {string.Join(", ", secrets)} of container {name} changed: restarted {name}"
                    : $"secret {string.Join(", ", secrets)} of container {name} changed, and restarting {name} failed (exit {result.ExitCode}): {result.Tail(2)}");
        }
    }

    private async Task<StepResult> PullAsync(Fleet fleet, Host host, Action<string> output, CancellationToken cancellationToken)
    {
        if (options.Goal == ActivationGoal.DryActivate)
        {
            return StepResult.Succeeded("dry-activate: images not pulled");
        }

        var arguments = new List<string>();
        foreach (var container in fleet.Services.Where(s => s.Host == host.Name && s.Container is not null).Select(s => s.Container!).DistinctBy(c => c.ImageFile ?? c.Image))
        {
            arguments.AddRange(container.ImageFile is { } file ? ["file", file] : ["image", container.Image]);
        }

        var result = await ssh.RunCommandAsync(host, RemoteShell.Script(PullScript, arguments), null, output, cancellationToken).ConfigureAwait(false);
        return result.ExitCode switch
        {
            0 => StepResult.Succeeded($"{arguments.Count / 2} image(s) present on {host.Name}"),
            255 => StepResult.Failed($"pull:{host.Name}: cannot reach {host.Target} over ssh: {result.Tail(3)}"),
            _ => StepResult.Failed($"pull:{host.Name}: {result.Tail(3)}; {host.Name} is not activated"),
        };
    }

    /// <summary>
    /// One container after activation: running, then its service's own health checks. A failure
    /// rolls the host back at once (its previous generation brings its previous containers back)
    /// and holds back what depends on it.
    /// </summary>
    private async Task<StepResult> ContainerGateAsync(Fleet fleet, Host host, PlanStep step, Action<string> output, CancellationToken cancellationToken)
    {
        var service = fleet.Services.FirstOrDefault(s => s.Host == host.Name && s.Name == step.Service);
        if (service?.Container is null)
        {
            return StepResult.Failed($"{step.Id}: the inventory has no container service {step.Service} on {host.Name}");
        }

        if (options.Goal is ActivationGoal.Boot or ActivationGoal.DryActivate)
        {
            return StepResult.Succeeded($"goal {options.Goal.ToString().ToLowerInvariant()}: nothing runs until the host boots it");
        }

        var name = ContainerRun.NameOf(service);
        var report = await health.CheckAsync(host, "container " + name, ContainerRun.GateChecks(service), output, cancellationToken).ConfigureAwait(false);
        if (report.Passed)
        {
            return StepResult.Succeeded(report.Message);
        }

        var run = Run(host.Name);
        if (run.ActivationDirectory is not { } activation || !fleet.Deployment.RollbackOnFailure)
        {
            return StepResult.Failed($"{step.Id}: {report.Message}");
        }

        run.ActivationDirectory = null;
        output($"rolling {host.Name} back: {report.Message}");
        var rolledBack = await activator.RollBackAsync(host, activation, cancellationToken).ConfigureAwait(false);
        return rolledBack.State switch
        {
            ActivationState.RolledBack => StepResult.RolledBack($"{step.Id}: {report.Message}; {host.Name} is back on its previous generation, with its previous containers"),
            ActivationState.Lost => StepResult.Failed($"{step.Id}: {report.Message}; {host.Target} cannot be reached to roll back: the host rolls back by itself when the confirm timeout passes"),
            _ => StepResult.NeedsAttention($"{step.Id}: {report.Message}; rolling back ended {rolledBack.Outcome}: {host.Name} needs attention\n{rolledBack.Tail(5)}"),
        };
    }
}
