using System.Collections.Immutable;
using Flotilla.Inventory;
using Flotilla.Nix;
using Flotilla.Planning;
using Flotilla.Processes;

namespace Flotilla.Execution.Operations;

/// <summary>What an upgrade is asked to do. Immutable.</summary>
/// <param name="Path">The flake: its directory, or its flake.nix.</param>
public sealed record UpgradeRequest(string Path, Selection Selection, MaintenanceSettings Settings, DeployOptions Deploy)
{
    /// <summary>Commit the updated flake.lock (<c>nix flake update --commit-lock-file</c>).</summary>
    public bool Commit { get; init; }

    /// <summary>Update the flake's inputs first (false: deploy and reboot what the lock file has).</summary>
    public bool Update { get; init; } = true;

    /// <summary>The inventory host the orchestrator runs on, deployed and rebooted last; null: found by <see cref="UpgradeOperation"/>'s finder.</summary>
    public string? LocalHost { get; init; }
}

/// <summary>
/// The upgrade: inside the window and under a lease on the whole fleet (the fleet lock), after
/// pre-flight checks: <c>nix flake update</c>, a deploy of every selected host in dependency order
/// with the host the orchestrator runs on last, the reboot sequence over the hosts that need one,
/// a report, and last the orchestrator's own host asked to reboot when it needs it and all else
/// went well. Thread safe.
/// </summary>
/// <param name="loadFleet">Loads and validates the inventory from the flake's directory once updated (null: unusable; the loader says why).</param>
/// <param name="findLocalHost">Finds the host the orchestrator runs on when the request names none.</param>
public sealed class UpgradeOperation(
    OperationEnvironment environment,
    Func<string, CancellationToken, Task<Fleet?>> loadFleet,
    Func<Fleet, Host?>? findLocalHost = null)
{
    public const string Name = "upgrade";

    /// <summary>The flake's directory of <paramref name="path"/> (a directory with flake.nix, or a flake.nix), or null; found without evaluating it.</summary>
    public static string? FlakeDirectory(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Directory.Exists(path))
        {
            return File.Exists(System.IO.Path.Combine(path, "flake.nix")) ? path : null;
        }

        return System.IO.Path.GetFileName(path) == "flake.nix" && File.Exists(path) ? System.IO.Path.GetDirectoryName(path) : null;
    }

    public async Task<UpgradeOutcome> RunAsync(UpgradeRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        // The flake is found without evaluating it: a lock file that lags behind flake.nix is
        // what the update fixes, and evaluating comes after it.
        if (FlakeDirectory(request.Path) is not { } flake)
        {
            return UpgradeOutcome.Refused(new NotAFlake(Name, request.Path));
        }

        var reboots = new RebootOperation(environment);
        var (refused, held) = await reboots.EnterAsync(request.Settings, Name, cancellationToken).ConfigureAwait(false);
        if (refused is not null)
        {
            return UpgradeOutcome.Refused(refused);
        }

        await using (held!.ConfigureAwait(false))
        {
            if (request.Update && await UpdateInputsAsync(flake, request.Commit, cancellationToken).ConfigureAwait(false) is { } failed)
            {
                return UpgradeOutcome.Refused(failed);
            }

            var fleet = await loadFleet(flake, cancellationToken).ConfigureAwait(false);
            if (fleet is null)
            {
                return UpgradeOutcome.Refused(new InventoryUnusable(Name));
            }

            var selected = FleetSelector.Select(fleet, request.Selection);
            if (!selected.Succeeded)
            {
                return UpgradeOutcome.Refused(new InputInvalid(Name, selected.Errors));
            }

            Host? local;
            if (request.LocalHost is { } name)
            {
                local = fleet.FindHost(name);
                if (local is null)
                {
                    return UpgradeOutcome.Refused(new UnknownLocalHost(Name, name));
                }
            }
            else
            {
                local = findLocalHost?.Invoke(fleet);
            }

            // Before any host is touched: nothing was deployed yet when this fails.
            var hosts = selected.Hosts.Select(h => fleet.FindHost(h)!).ToList();
            if (await reboots.PreflightAsync(fleet, hosts, request.Settings.Preflight, Name, cancellationToken).ConfigureAwait(false) is { } preflight)
            {
                return UpgradeOutcome.Refused(preflight);
            }

            return await DeployAndRebootAsync(fleet, request, selected.Hosts, local?.Name, held!, reboots, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<OperationRefusal?> UpdateInputsAsync(string flake, bool commit, CancellationToken cancellationToken)
    {
        var lockFile = System.IO.Path.Combine(flake, "flake.lock");
        var before = File.Exists(lockFile) ? await File.ReadAllTextAsync(lockFile, cancellationToken).ConfigureAwait(false) : null;
        IReadOnlyList<string> arguments = [.. NixFlags.Flakes, "flake", "update", .. commit ? ["--commit-lock-file"] : Array.Empty<string>(), flake];
        environment.View.Note(new FlakeUpdating(Name, flake, commit));
        var result = await ProcessRunner.RunAsync("nix", arguments, null, null, line => environment.View.Note(new FlakeUpdateOutput(Name, line)), cancellationToken).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            return new FlakeUpdateFailed(Name, result.ExitCode, result.StandardError.Trim());
        }

        var after = File.Exists(lockFile) ? await File.ReadAllTextAsync(lockFile, cancellationToken).ConfigureAwait(false) : null;
        var change = after is null ? FlakeLockChange.NoInputs : after == before ? FlakeLockChange.Unchanged : FlakeLockChange.Updated;
        environment.View.Note(new FlakeUpdated(Name, change, commit));
        return null;
    }

    private async Task<UpgradeOutcome> DeployAndRebootAsync(Fleet fleet, UpgradeRequest request, ImmutableArray<string> selected, string? local, HostLease lease, RebootOperation reboots, CancellationToken cancellationToken)
    {
        var others = selected.Where(h => h != local).ToImmutableArray();
        var deployed = new List<string>();
        var changed = new HashSet<string>(StringComparer.Ordinal);
        var failed = new List<string>();
        var runs = ImmutableArray.CreateBuilder<RunSummary>();
        var exit = RunExitCodes.Success;
        var deploys = new DeployOperation(environment);

        async Task DeployAsync(ImmutableArray<string> names)
        {
            var outcome = await deploys.RunAsync(fleet, new DeployRequest(new Selection { On = names }, request.Deploy, new SchedulerOptions()), lease, cancellationToken).ConfigureAwait(false);
            exit = Math.Max(exit, outcome.ExitCode);
            if (outcome.Refusal is { } refusal)
            {
                environment.View.Note(new RunRefused(Name, refusal));
            }

            if (outcome.Summary is { } summary)
            {
                runs.Add(summary);
                var verified = summary.Steps.Where(s => s.Kind == StepKind.Verify && s.State == StepState.Succeeded).Select(s => s.Host!).ToHashSet();
                deployed.AddRange(names.Where(verified.Contains));
                changed.UnionWith(DeployOperation.DeployedHosts(summary));
                failed.AddRange(names.Where(n => !verified.Contains(n)));
            }
        }

        if (!others.IsEmpty)
        {
            await DeployAsync(others).ConfigureAwait(false);
        }

        if (local is not null && selected.Contains(local))
        {
            environment.View.Note(new LocalHostDeploying(Name, local));
            await DeployAsync([local]).ConfigureAwait(false);
        }

        // Reboot where needed, in sequence; the host this runs on is not waited for: it goes last, once all else went well.
        var rebootable = deployed.Where(h => h != local).ToImmutableArray();
        var rebooted = ImmutableArray<string>.Empty;
        if (!rebootable.IsEmpty)
        {
            // A recreate host got its new system as the boot default only: it runs it after a reboot.
            var recreated = rebootable.Where(h => changed.Contains(h) && fleet.FindHost(h)?.DeployStrategy == DeployStrategy.Recreate).ToImmutableHashSet();
            var rebootRequest = new RebootRequest(new Selection { On = rebootable }, request.Settings with { Preflight = null }, OnlyIfNeeded: true) { Always = recreated };
            var outcome = await reboots.RebootAsync(fleet, rebootRequest, lease, cancellationToken).ConfigureAwait(false);
            exit = Math.Max(exit, outcome.ExitCode);
            if (outcome.Refusal is { } refusal)
            {
                environment.View.Note(new RunRefused(RebootOperation.Name, refusal));
            }

            if (outcome.Summary is { } summary)
            {
                runs.Add(summary);
                rebooted = [.. summary.Steps.Where(s => s.Kind == StepKind.Verify && s.State == StepState.Succeeded).Select(s => s.Host!)];
            }
        }

        var (localReboot, rebootLocal) = await LocalRebootAsync(fleet, local, deployed, exit, cancellationToken).ConfigureAwait(false);
        var report = new UpgradeReport(
        [
            .. selected.Select(host => new UpgradeHostReport(
                host,
                deployed.Contains(host) ? UpgradeDeploy.Deployed : failed.Contains(host) ? UpgradeDeploy.Failed : UpgradeDeploy.NotDeployed,
                host == local ? localReboot : rebooted.Contains(host) ? UpgradeReboot.Rebooted : deployed.Contains(host) ? UpgradeReboot.NotNeededOrNotRebooted : UpgradeReboot.NotRebooted)),
        ]);
        // Said before the orchestrator's own host is asked to reboot: it may not come back to say it.
        environment.View.Note(new UpgradeReported(Name, report));
        (string, string)? refusedReboot = null;
        if (rebootLocal is not null && await new HostReboot().RequestAsync(rebootLocal, null, cancellationToken).ConfigureAwait(false) is { } refused)
        {
            refusedReboot = (rebootLocal.Name, refused);
            exit = Math.Max(exit, RunExitCodes.Failed);
        }

        return new UpgradeOutcome(exit, null, report, runs.ToImmutable()) { LocalRebootRefused = refusedReboot };
    }

    /// <summary>
    /// The orchestrator's own host: when it needs a reboot and everything else went well, it is
    /// asked to reboot last, after the report, without waiting for it.
    /// </summary>
    private static async Task<(UpgradeReboot Note, Host? Reboot)> LocalRebootAsync(Fleet fleet, string? local, List<string> deployed, int exit, CancellationToken cancellationToken)
    {
        if (local is null || !deployed.Contains(local))
        {
            return (UpgradeReboot.NotRebooted, null);
        }

        var host = fleet.FindHost(local)!;
        var status = await new HostStatusReader().ReadAsync(host, null, cancellationToken).ConfigureAwait(false);
        if (!status.NeedsReboot)
        {
            return (UpgradeReboot.LocalNotNeeded, null);
        }

        return exit != RunExitCodes.Success ? (UpgradeReboot.LocalHeldBack, null) : (UpgradeReboot.LocalRebooting, host);
    }
}
