using System.Collections.Concurrent;
using System.Diagnostics;
using Flotilla.Execution.Internal;
using Flotilla.Inventory;
using Flotilla.Nix;
using Flotilla.Planning;

namespace Flotilla.Execution;

/// <summary>
/// Runs the steps of a deploy plan in push mode: build, copy, keys, activate (detached on the
/// target, under a watchdog that rolls back unless confirmed), keys-post, verify (health checks,
/// then confirm, or roll back at once). One instance serves one run: it remembers each host's
/// closure and activation between steps. Thread safe (steps of different hosts run in parallel).
/// </summary>
public sealed partial class DeployStepExecutor : IStepExecutor
{
    private readonly DeployOptions options;
    private readonly HostTransports ssh;
    private readonly NixBuilder builder;
    private readonly HostActivator activator;
    private readonly HealthChecker health;
    private readonly KeyUploader keys;
    private readonly TerraformDriver terraform;
    private readonly ConcurrentDictionary<string, HostRun> hosts = new();

    public DeployStepExecutor(DeployOptions? options = null)
    {
        this.options = options ?? new DeployOptions();
        ssh = this.options.Transports;
        builder = new NixBuilder(this.options);
        activator = new HostActivator(ssh);
        health = new HealthChecker(ssh, this.options.TimeProvider);
        keys = new KeyUploader(ssh);
        terraform = new TerraformDriver(this.options.Terraform);
    }

    /// <summary>
    /// Builds the closures of every host with a build step in <paramref name="plan"/> in one nix
    /// invocation, so the build steps that follow only look their result up. Optional: a build
    /// step whose host was not prebuilt builds it alone. A host with nothing to build (or whose
    /// system does not evaluate) is left out; its build step fails with that one line.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, HostClosure>> PrebuildAsync(Fleet fleet, Plan plan, Action<string>? onLine = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        ArgumentNullException.ThrowIfNull(plan);
        var selected = plan.Steps.Where(s => s.Kind == StepKind.Build && s.Host is not null)
            .Select(s => fleet.FindHost(s.Host!)).OfType<Host>().Distinct().ToList();
        var evaluation = await builder.BuildEvaluableAsync(fleet, selected, onLine, cancellationToken).ConfigureAwait(false);
        foreach (var (name, closure) in evaluation.Closures)
        {
            Run(name).Closure = closure;
        }

        foreach (var (name, problem) in evaluation.Problems)
        {
            Run(name).Problem = problem;
        }

        return evaluation.Closures;
    }

    /// <summary>The closure built for a host in this run, or null.</summary>
    public HostClosure? ClosureOf(string host) => hosts.TryGetValue(host, out var run) ? run.Closure : null;

    public async Task<StepResult> ExecuteAsync(PlanStep step, StepContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(step);
        ArgumentNullException.ThrowIfNull(context);
        if (step.Kind == StepKind.Gate)
        {
            return StepResult.Succeeded();
        }

        if (step.Kind == StepKind.Terraform)
        {
            return await terraform.RunAsync(step, context.Fleet, line => context.Output.Line(step, line), cancellationToken).ConfigureAwait(false);
        }

        var host = context.Host ?? (step.Host is { } name ? context.Fleet.FindHost(name) : null);
        if (host is null)
        {
            return StepResult.Failed($"{step.Id}: step names no host of the fleet");
        }

        void Output(string line) => context.Output.Line(step, line);
        try
        {
            return step.Kind switch
            {
                StepKind.Build => await BuildAsync(context.Fleet, host, Output, cancellationToken).ConfigureAwait(false),
                StepKind.Copy => await CopyAsync(host, Output, cancellationToken).ConfigureAwait(false),
                StepKind.Keys => await UploadKeysAsync(context.Fleet, host, KeyUploadAt.PreActivation, Output, cancellationToken).ConfigureAwait(false),
                StepKind.KeysPost => await UploadPostActivationKeysAsync(context.Fleet, host, Output, cancellationToken).ConfigureAwait(false),
                StepKind.Pull => await PullAsync(context.Fleet, host, Output, cancellationToken).ConfigureAwait(false),
                StepKind.Activate => await ActivateAsync(host, Output, cancellationToken).ConfigureAwait(false),
                StepKind.Container => await ContainerGateAsync(context.Fleet, host, step, Output, cancellationToken).ConfigureAwait(false),
                StepKind.Verify => await VerifyAsync(context.Fleet, host, Output, cancellationToken).ConfigureAwait(false),
                StepKind.Wait or StepKind.Reboot or StepKind.Rollback or StepKind.Migrate or StepKind.Unmigrate
                    => StepResult.Failed($"{step.Id}: the deploy executor does not run {step.Kind.ToName()} steps"),
                StepKind.Gate or StepKind.Terraform => throw new UnreachableException("gates and Terraform steps ran above"),
                _ => throw new ArgumentOutOfRangeException(nameof(step), step.Kind, "not a step kind"),
            };
        }
        catch (Exception e) when (e is NixBuildException or KeyUploadException or InvalidOperationException or ArgumentException)
        {
            return StepResult.Failed($"{step.Id}: {e.Message}");
        }
    }

    private async Task<StepResult> BuildAsync(Fleet fleet, Host host, Action<string> output, CancellationToken cancellationToken)
    {
        var run = Run(host.Name);
        if (run.Problem is { } problem)
        {
            return StepResult.Failed($"build:{host.Name}: {problem}");
        }

        if (run.Closure is null)
        {
            // A host in pull mode is only evaluated here: it builds its system itself.
            var closures = host.PullFrom is null
                ? await builder.BuildAsync(fleet, [host], output, cancellationToken).ConfigureAwait(false)
                : await builder.EvaluateAsync(fleet, [host], cancellationToken).ConfigureAwait(false);
            run.Closure = closures[host.Name];
        }

        return host.PullFrom is null
            ? StepResult.Succeeded(run.Closure.SystemPath)
            : await PullBuildAsync(fleet, host, run.Closure, output, cancellationToken).ConfigureAwait(false);
    }

    private async Task<StepResult> CopyAsync(Host host, Action<string> output, CancellationToken cancellationToken)
    {
        var run = Run(host.Name);
        if (run.Closure is not { } closure)
        {
            return StepResult.Failed($"copy:{host.Name}: no closure was built for {host.Name} in this run");
        }

        var (current, probe) = await activator.CurrentAsync(host, cancellationToken).ConfigureAwait(false);
        if (probe.ExitCode == 255)
        {
            return StepResult.Failed($"copy:{host.Name}: cannot reach {ssh.Describe(host)}: {probe.Tail(3)}");
        }

        if (!options.Force && current == closure.SystemPath)
        {
            run.UpToDate = true;
            return StepResult.Succeeded($"{host.Name} already runs {closure.SystemPath}; skipped (use --force to deploy anyway)");
        }

        if (host.PullFrom is not null)
        {
            return StepResult.Succeeded($"{host.Name} built {closure.SystemPath} itself (pullFrom): nothing to copy");
        }

        if (ssh.ThroughAgent(host))
        {
            return await FetchThroughAgentAsync(host, closure, output, cancellationToken).ConfigureAwait(false);
        }

        if (!host.BuildOnTarget)
        {
            IReadOnlyList<string> arguments = options.SubstituteOnDestination
                ? ["--substitute-on-destination", "--to", NixBuilder.StoreUri(host.Target), closure.SystemPath]
                : ["--to", NixBuilder.StoreUri(host.Target), closure.SystemPath];
            await builder.NixCopyAsync(arguments, host.Target.Port, output, cancellationToken).ConfigureAwait(false);
        }

        return StepResult.Succeeded($"copied {closure.SystemPath} to {host.Target}");
    }

    /// <summary>
    /// A host reached through its agent fetches its closure itself: from the cache the inventory
    /// names (pushed there first from here, signed with <see cref="DeployOptions.CacheKeyFile"/>,
    /// unless it is an HTTP cache that something else fills), else from its own substituters.
    /// </summary>
    private async Task<StepResult> FetchThroughAgentAsync(Host host, HostClosure closure, Action<string> output, CancellationToken cancellationToken)
    {
        RemoteResult fetched;
        string from;
        if (host.Cache is { } cache)
        {
            from = cache;
            if (!cache.StartsWith("http://", StringComparison.Ordinal) && !cache.StartsWith("https://", StringComparison.Ordinal))
            {
                var push = options.CacheKeyFile is { } key ? cache + (cache.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "secret-key=" + Uri.EscapeDataString(key) : cache;
                output($"pushing {closure.SystemPath} to {cache}");
                await builder.NixCopyAsync(["--to", push, closure.SystemPath], 22, output, cancellationToken).ConfigureAwait(false);
            }

            fetched = await ssh.RunAsync(host, ["nix", .. NixFlags.Command, "copy", "--from", cache, closure.SystemPath], null, output, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            from = "its own substituters";
            fetched = await ssh.RunAsync(host, ["nix-store", "--realise", closure.SystemPath], null, output, cancellationToken).ConfigureAwait(false);
        }

        if (fetched.ExitCode == 255)
        {
            return StepResult.Failed($"copy:{host.Name}: cannot reach {ssh.Describe(host)}: {fetched.Tail(3)}");
        }

        return fetched.Succeeded
            ? StepResult.Succeeded($"{host.Name} fetched {closure.SystemPath} from {from} (through its agent)")
            : StepResult.Failed($"copy:{host.Name}: {host.Name} could not fetch {closure.SystemPath} from {from} (exit {fetched.ExitCode}); "
                + (host.Cache is null
                    ? "give the host a cache (cache = \"file:///...\" or \"https://...\") that holds its closure, or give it transport = \"ssh\""
                    : "check that the host trusts the cache's key (nix.settings.trusted-public-keys) and that the deploy signs with it (--cache-key-file)")
                + $"\n{fetched.Tail(5)}");
    }

    private async Task<StepResult> UploadKeysAsync(Fleet fleet, Host host, KeyUploadAt when, Action<string> output, CancellationToken cancellationToken)
    {
        if (options.Goal == ActivationGoal.DryActivate)
        {
            return StepResult.Succeeded("dry-activate: keys not uploaded");
        }

        // The host's keys and its containers' secrets (decrypted here, written before activation).
        var upload = ContainerSecrets.KeysOf(fleet, host, options.AgeIdentity ?? ContainerSecrets.AgeIdentity(), options.Sops).Where(k => k.UploadAt == when).ToList();
        if (upload.Select(ContainerSecrets.Problem).FirstOrDefault(p => p is not null) is { } problem)
        {
            return StepResult.Failed($"keys:{host.Name}: {problem}");
        }

        var count = 0;
        var changed = new List<Key>();
        foreach (var key in upload)
        {
            if (await keys.UploadAsync(host, key, cancellationToken).ConfigureAwait(false))
            {
                changed.Add(key);
            }

            output($"uploaded key {key.Name} to {key.DestDir} ({key.User}:{key.Group} {key.Permissions})");
            count++;
        }

        // A container reads its secrets when it starts: those whose secret changed restart now.
        await RestartForChangedSecretsAsync(fleet, host, changed, output, cancellationToken).ConfigureAwait(false);

        return StepResult.Succeeded($"{count} key(s) uploaded");
    }

    /// <summary>Keys that fail to arrive after activation fail the deploy: the pending activation is rolled back now, not at the timeout.</summary>
    private async Task<StepResult> UploadPostActivationKeysAsync(Fleet fleet, Host host, Action<string> output, CancellationToken cancellationToken)
    {
        try
        {
            return await UploadKeysAsync(fleet, host, KeyUploadAt.PostActivation, output, cancellationToken).ConfigureAwait(false);
        }
        catch (KeyUploadException e) when (Run(host.Name).ActivationDirectory is { } activation)
        {
            Run(host.Name).ActivationDirectory = null;
            output($"rolling {host.Name} back: {e.Message}");
            var rolledBack = await activator.RollBackAsync(host, activation, cancellationToken).ConfigureAwait(false);
            return rolledBack.State == ActivationState.RolledBack
                ? StepResult.RolledBack($"keys-post:{host.Name}: {e.Message}; {host.Name} is back on its previous generation")
                : rolledBack.State == ActivationState.Superseded ? Superseded(host, rolledBack)
                : StepResult.NeedsAttention($"keys-post:{host.Name}: {e.Message}; rolling back ended {rolledBack.Outcome}: {host.Name} needs attention\n{rolledBack.Tail(5)}");
        }
    }

    private async Task<StepResult> ActivateAsync(Host host, Action<string> output, CancellationToken cancellationToken)
    {
        var run = Run(host.Name);
        if (run.Closure is not { } closure)
        {
            return StepResult.Failed($"activate:{host.Name}: no closure was built for {host.Name} in this run");
        }

        if (run.UpToDate)
        {
            return StepResult.Succeeded($"{host.Name} already runs {closure.SystemPath}; nothing to activate") with { Changed = false, Closure = closure.SystemPath };
        }

        var goal = options.GoalNameFor(host);
        if (PlatformActivation.Refusal(host, goal) is { } refusal)
        {
            return StepResult.Failed($"activate:{host.Name}: {refusal}");
        }

        var outcome = await activator.ActivateAsync(host, closure.SystemPath, goal, options.ConfirmTimeout, output, cancellationToken).ConfigureAwait(false);

        switch (outcome.State)
        {
            case ActivationState.Lost:
                return StepResult.Failed(
                    $"activate:{host.Name}: lost the connection to {host.Target} during activation; unless confirmed, the host rolls back by itself within {options.ConfirmTimeout.TotalSeconds:0} s\n{outcome.Tail(5)}");
            case ActivationState.RolledBack:
                return StepResult.RolledBack($"activate:{host.Name}: {PlatformActivation.Describe(host.Platform, goal == StrategyActivation.Switch ? StrategyActivation.Test : goal)} exited with {outcome.Status}; {host.Name} is back on its previous generation\n{outcome.Tail()}");
            case ActivationState.Pending when outcome.Status == 0:
                run.ActivationDirectory = outcome.Directory;
                return StepResult.Succeeded($"activated {closure.SystemPath}; waiting for health checks to confirm within {options.ConfirmTimeout.TotalSeconds:0} s") with { Changed = true, Closure = closure.SystemPath };
            case ActivationState.Confirmed:
                return StepResult.Succeeded(goal == "boot" && options.Goal == ActivationGoal.Switch
                    ? $"boot: {closure.SystemPath} is the boot default; {host.Name} (strategy recreate) runs it after its next reboot"
                    : $"{goal}: {closure.SystemPath}") with { Changed = true, Closure = closure.SystemPath };
            case ActivationState.Died when await RunsAsync(host, closure.SystemPath, cancellationToken).ConfigureAwait(false):
                // The watchdog is gone after switching: nothing will roll this host back or confirm it.
                return StepResult.NeedsAttention(
                    $"activate:{host.Name}: the activation's watchdog died after {host.Name} switched to {closure.SystemPath}; it is unconfirmed and nothing will roll it back: check it (flotilla status) and confirm it by deploying again or run flotilla rollback --on {host.Name}\n{outcome.Tail()}");
            default:
                return StepResult.Failed($"activate:{host.Name}: activation ended {outcome.Outcome} (exit {outcome.Status?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unknown"})\n{outcome.Tail()}");
        }
    }

    private async Task<bool> RunsAsync(Host host, string system, CancellationToken cancellationToken)
    {
        var (current, probe) = await activator.CurrentAsync(host, cancellationToken).ConfigureAwait(false);
        return !probe.Succeeded || current == system;
    }

    private async Task<StepResult> VerifyAsync(Fleet fleet, Host host, Action<string> output, CancellationToken cancellationToken)
    {
        var run = Run(host.Name);
        var directory = run.ActivationDirectory;
        run.ActivationDirectory = null;
        return await GateAndConfirmAsync(activator, health, ssh, fleet, host, directory, run.Closure?.SystemPath, output, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs the health checks; then confirms the pending activation, or has the watchdog roll it
    /// back now (unless the inventory turns rollback off: then the failed system is kept). When
    /// the host no longer runs <paramref name="activated"/> (another activation replaced it since:
    /// another run, a person), nothing is checked or confirmed: the watchdog is asked to stand
    /// down, and it leaves the host as it is (it makes the same check on the host itself).
    /// </summary>
    internal static async Task<StepResult> GateAndConfirmAsync(HostActivator activator, HealthChecker health, IHostTransport ssh, Fleet fleet, Host host, string? activation, string? activated, Action<string> output, CancellationToken cancellationToken)
    {
        // What the host runs now, the platform's way (a home-manager host's is its profile's generation).
        if (activation is not null && activated is not null
            && (await activator.CurrentAsync(host, cancellationToken).ConfigureAwait(false)).Current is { } running && running != activated)
        {
            output($"{host.Name} now runs {running}, not {activated} that this run activated: another activation replaced it; not checking or confirming it");
            var stood = await activator.RollBackAsync(host, activation, cancellationToken).ConfigureAwait(false);
            return stood.State switch
            {
                ActivationState.Superseded => Superseded(host, stood),
                ActivationState.RolledBack => StepResult.RolledBack($"verify:{host.Name}: {host.Name} ran {running}, not this run's {activated}; by the time the watchdog was asked to stand down it ran this run's system again, so it rolled it back: {host.Name} is on its previous generation\n{stood.Tail(5)}"),
                _ => StepResult.NeedsAttention($"verify:{host.Name}: {host.Name} runs {running}, not this run's {activated} (another activation replaced it); asking the watchdog to stand down ended {stood.Outcome}: check {host.Name}\n{stood.Tail(5)}"),
            };
        }

        var report = await health.CheckAsync(fleet, host, output, cancellationToken).ConfigureAwait(false);
        if (activation is null)
        {
            return report.Passed ? StepResult.Succeeded(report.Message) : StepResult.Failed($"verify:{host.Name}: {report.Message}");
        }

        if (report.Passed)
        {
            var confirmed = await activator.ConfirmAsync(host, activation, cancellationToken).ConfigureAwait(false);
            return confirmed.State switch
            {
                ActivationState.Confirmed => StepResult.Succeeded($"{report.Message}; confirmed"),
                ActivationState.Superseded => Superseded(host, confirmed),
                ActivationState.RolledBack => StepResult.RolledBack($"verify:{host.Name}: health checks passed, but the watchdog rolled back (the confirm timeout passed first, or making the system the boot default failed)\n{confirmed.Tail(5)}"),
                _ => StepResult.Failed($"verify:{host.Name}: health checks passed but confirming failed ({confirmed.Outcome}); the host rolls back by itself unless confirmed\n{confirmed.Tail(5)}"),
            };
        }

        if (!fleet.Deployment.RollbackOnFailure)
        {
            // The inventory asks to keep a failed system for inspection (NixMox enable_rollback = false):
            // confirm it, so that the watchdog does not roll it back either, and fail the step.
            output($"keeping {host.Name} on its new system: {report.Message}; the inventory turns rollback off");
            var kept = await activator.ConfirmAsync(host, activation, cancellationToken).ConfigureAwait(false);
            return kept.State == ActivationState.Confirmed
                ? StepResult.Failed($"verify:{host.Name}: {report.Message}; not rolled back, as the inventory asks (enable_rollback = false): {host.Name} stays on its new system")
                : StepResult.NeedsAttention($"verify:{host.Name}: {report.Message}; keeping the new system (enable_rollback = false) failed ({kept.Outcome})\n{kept.Tail(5)}");
        }

        output($"rolling {host.Name} back: {report.Message}");
        var rolledBack = await activator.RollBackAsync(host, activation, cancellationToken).ConfigureAwait(false);
        foreach (var line in rolledBack.Log.Where(l => l.StartsWith("flotilla:", StringComparison.Ordinal)))
        {
            output(line);
        }

        return rolledBack.State switch
        {
            ActivationState.RolledBack => StepResult.RolledBack($"verify:{host.Name}: {report.Message}; {host.Name} is back on its previous generation"),
            ActivationState.Superseded => Superseded(host, rolledBack),
            ActivationState.Lost => StepResult.Failed($"verify:{host.Name}: {report.Message}; {host.Target} cannot be reached to roll back: the host rolls back by itself when the confirm timeout passes\n{rolledBack.Tail(3)}"),
            _ => StepResult.NeedsAttention($"verify:{host.Name}: {report.Message}; rolling back ended {rolledBack.Outcome}: {host.Name} needs attention\n{rolledBack.Tail(5)}"),
        };
    }

    /// <summary>
    /// Another activation replaced this run's on the host before it was confirmed: the run does
    /// not succeed for the host, and nothing of this run's is left active or made the boot default.
    /// </summary>
    internal static StepResult Superseded(Host host, ActivationOutcome outcome) => StepResult.Failed(
        $"verify:{host.Name}: superseded: another activation (another run, or someone on the host) replaced this run's system before it was confirmed: " +
        $"{outcome.SupersededBy ?? "the host runs another system now"}. {host.Name} was left as it is (this run's system not confirmed, not made the boot default, not rolled back): " +
        "flotilla status shows what it runs, flotilla runs which run deployed it") with { Superseded = true };

    private HostRun Run(string host) => hosts.GetOrAdd(host, _ => new HostRun());

    private sealed class HostRun
    {
        public volatile HostClosure? Closure;
        /// <summary>Why the host has nothing to build, found by the prebuild.</summary>
        public volatile string? Problem;
        public volatile bool UpToDate;
        public volatile string? ActivationDirectory;
    }
}
