using System.Collections.Immutable;
using System.CommandLine;
using Flotilla.Execution;
using Flotilla.Inventory;
using Flotilla.Planning;
using Flotilla.Processes;

namespace Flotilla.Cli.Commands;

/// <summary>
/// <c>flotilla upgrade</c>: inside the window and under a lease on the whole fleet (the fleet lock), after pre-flight checks:
/// <c>nix flake update</c> (committing the lock file only with <c>--commit</c>), a deploy of every
/// selected host in dependency order with the host the orchestrator runs on last, the reboot
/// sequence over the hosts that need one, and a report.
/// </summary>
internal static class UpgradeCommand
{
    public static Command Create(CliContext context)
    {
        var file = CommonOptions.File();
        var selection = new SelectionOptions(context);
        var json = CommonOptions.Events();
        var state = RunsCommand.StateDirectory();
        var commit = new Option<bool>("--commit") { Description = "Commit the updated flake.lock (nix flake update --commit-lock-file); by default nothing is committed" };
        var noUpdate = new Option<bool>("--no-update") { Description = "Deploy and reboot without updating the flake's inputs" };
        var localHost = new Option<string?>("--local-host") { Description = "The inventory host this orchestrator runs on, deployed and rebooted last (default: found by host name and addresses)", HelpName = "HOST" };
        var confirm = CommonOptions.ConfirmTimeout("How long a host waits for confirmation before it rolls back by itself");
        var substituters = CommonOptions.Substituters("the builds");
        var maintenance = new MaintenanceOptions();
        var command = new Command("upgrade", "Update the flake's inputs, deploy everything in dependency order (this host last), reboot where needed, and report")
        {
            file, json, state, commit, noUpdate, localHost, confirm, substituters,
        };
        selection.AddTo(command);
        maintenance.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var settings = maintenance.Read(parse, context, "upgrade");
            if (settings is null)
            {
                return ExitCodes.InvalidInput;
            }

            var confirmTimeout = confirm.Read(parse);

            var upgrade = new Upgrade(
                context,
                parse.GetValue(file),
                selection.Read(parse),
                settings,
                new DeployOptions { ConfirmTimeout = confirmTimeout, Substituters = parse.GetValue(substituters) },
                parse.GetValue(state)!,
                parse.GetValue(json),
                parse.GetValue(commit),
                !parse.GetValue(noUpdate),
                parse.GetValue(localHost));
            return await upgrade.RunAsync(cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    private sealed record Upgrade(
        CliContext Context,
        string? File,
        Selection Selection,
        MaintenanceSettings Settings,
        DeployOptions Deploy,
        string StateDirectory,
        bool Json,
        bool Commit,
        bool Update,
        string? LocalHostName)
    {
        private TextWriter Report => Json ? Context.Error : Context.Output;

        public async Task<int> RunAsync(CancellationToken cancellationToken)
        {
            // The flake is found without evaluating it: a lock file that lags behind flake.nix is
            // what the update fixes, and evaluating comes after it.
            var flake = FlakeDirectory();
            if (flake is null)
            {
                await Context.Error.WriteLineAsync($"upgrade: {File ?? Context.WorkingDirectory} is not a flake (no flake.nix): upgrade updates a flake's inputs and builds its nixosConfigurations; use deploy and reboot for other inventories").ConfigureAwait(false);
                return ExitCodes.InvalidInput;
            }

            var (refused, held) = await RebootRunner.EnterAsync(Context, Settings, StateDirectory, "upgrade", cancellationToken).ConfigureAwait(false);
            if (refused is { } code)
            {
                return code;
            }

            await using (held!.ConfigureAwait(false))
            {
                if (Update && !await UpdateInputsAsync(flake, cancellationToken).ConfigureAwait(false))
                {
                    return ExitCodes.Failed;
                }

                var fleet = await InventoryCommands.LoadValidAsync(Context, flake, cancellationToken).ConfigureAwait(false);
                if (fleet is null)
                {
                    return ExitCodes.InvalidInput;
                }

                var hosts = InventoryCommands.Select(Context, fleet, Selection);
                if (hosts is null)
                {
                    return ExitCodes.InvalidInput;
                }

                Host? local;
                if (LocalHostName is { } name)
                {
                    local = fleet.FindHost(name);
                    if (local is null)
                    {
                        await Context.Error.WriteLineAsync($"upgrade: --local-host: the inventory has no host \"{name}\"").ConfigureAwait(false);
                        return ExitCodes.InvalidInput;
                    }
                }
                else
                {
                    local = LocalHost.Find(fleet);
                }

                // Before any host is touched: nothing was deployed yet when this fails.
                if (!await RebootRunner.PreflightAsync(Context, fleet, hosts, Settings.Preflight, "upgrade", Json, cancellationToken).ConfigureAwait(false))
                {
                    return ExitCodes.Failed;
                }

                return await DeployAndRebootAsync(fleet, [.. hosts.Select(h => h.Name)], local?.Name, held!, cancellationToken).ConfigureAwait(false);
            }
        }

        private string? FlakeDirectory()
        {
            var path = Path.GetFullPath(File ?? ".", Context.WorkingDirectory);
            if (Directory.Exists(path))
            {
                return System.IO.File.Exists(Path.Combine(path, "flake.nix")) ? path : null;
            }

            return Path.GetFileName(path) == "flake.nix" && System.IO.File.Exists(path) ? Path.GetDirectoryName(path) : null;
        }

        private async Task<bool> UpdateInputsAsync(string flake, CancellationToken cancellationToken)
        {
            var lockFile = Path.Combine(flake, "flake.lock");
            var before = System.IO.File.Exists(lockFile) ? await System.IO.File.ReadAllTextAsync(lockFile, cancellationToken).ConfigureAwait(false) : null;
            IReadOnlyList<string> arguments = ["--extra-experimental-features", "nix-command flakes", "flake", "update", .. Commit ? ["--commit-lock-file"] : Array.Empty<string>(), flake];
            await Report.WriteLineAsync($"upgrade: nix flake update {flake}{(Commit ? " (committing flake.lock)" : "")}").ConfigureAwait(false);
            var result = await ProcessRunner.RunAsync("nix", arguments, null, null, line => Report.WriteLine("  " + line), cancellationToken).ConfigureAwait(false);
            if (result.ExitCode != 0)
            {
                await Context.Error.WriteLineAsync($"upgrade: nix flake update failed (exit {result.ExitCode}); nothing was deployed:\n{result.StandardError.Trim()}").ConfigureAwait(false);
                return false;
            }

            var after = System.IO.File.Exists(lockFile) ? await System.IO.File.ReadAllTextAsync(lockFile, cancellationToken).ConfigureAwait(false) : null;
            await Report.WriteLineAsync(after is null
                ? "upgrade: the flake has no inputs: nothing to update"
                : after == before ? "upgrade: flake.lock is unchanged: every input is at its latest" : "upgrade: flake.lock updated" + (Commit ? " and committed" : " (not committed; --commit commits it)")).ConfigureAwait(false);
            return true;
        }

        private async Task<int> DeployAndRebootAsync(Fleet fleet, ImmutableArray<string> selected, string? local, HostLease lease, CancellationToken cancellationToken)
        {
            var others = selected.Where(h => h != local).ToImmutableArray();
            var deployed = new List<string>();
            var changed = new HashSet<string>(StringComparer.Ordinal);
            var failed = new List<string>();
            var exit = ExitCodes.Success;

            async Task DeployAsync(ImmutableArray<string> names)
            {
                var request = new DeployRequest(File, new Selection { On = names }, Deploy, new SchedulerOptions(), Json);
                var (code, summary) = await DeployRunner.DeployAsync(Context, fleet, StateDirectory, request, lease, cancellationToken).ConfigureAwait(false);
                exit = Math.Max(exit, code);
                if (summary is not null)
                {
                    var verified = summary.Steps.Where(s => s.Kind == StepKinds.Verify && s.State == StepState.Succeeded).Select(s => s.Host!).ToHashSet();
                    deployed.AddRange(names.Where(verified.Contains));
                    changed.UnionWith(DeployRunner.DeployedHosts(summary));
                    failed.AddRange(names.Where(n => !verified.Contains(n)));
                }
            }

            if (!others.IsEmpty)
            {
                await DeployAsync(others).ConfigureAwait(false);
            }

            if (local is not null && selected.Contains(local))
            {
                await Report.WriteLineAsync($"upgrade: deploying {local} last: this orchestrator runs on it").ConfigureAwait(false);
                await DeployAsync([local]).ConfigureAwait(false);
            }

            // Reboot where needed, in sequence; the host this runs on is not waited for: it goes last, once all else went well.
            var rebootable = deployed.Where(h => h != local).ToImmutableArray();
            var rebooted = ImmutableArray<string>.Empty;
            if (!rebootable.IsEmpty)
            {
                // A recreate host got its new system as the boot default only: it runs it after a reboot.
                var recreated = rebootable.Where(h => changed.Contains(h) && fleet.FindHost(h)?.DeployStrategy == DeployStrategy.Recreate).ToImmutableHashSet();
                var request = new RebootRequest(new Selection { On = rebootable }, Settings with { Preflight = null }, OnlyIfNeeded: true, Json, StateDirectory) { Always = recreated };
                var (code, summary) = await RebootRunner.RebootAsync(Context, fleet, request, lease, cancellationToken).ConfigureAwait(false);
                exit = Math.Max(exit, code);
                rebooted = summary is null ? [] : [.. summary.Steps.Where(s => s.Kind == StepKinds.Verify && s.State == StepState.Succeeded).Select(s => s.Host!)];
            }

            var (localNote, rebootLocal) = await LocalRebootAsync(fleet, local, deployed, exit, cancellationToken).ConfigureAwait(false);
            await Report.WriteLineAsync("upgrade report:").ConfigureAwait(false);
            foreach (var host in selected)
            {
                var deploy = deployed.Contains(host) ? "deployed" : failed.Contains(host) ? "DEPLOY FAILED" : "not deployed";
                var reboot = host == local ? localNote : rebooted.Contains(host) ? "rebooted" : deployed.Contains(host) ? "no reboot needed or not rebooted (see above)" : "not rebooted";
                await Report.WriteLineAsync($"  {host}: {deploy}; {reboot}").ConfigureAwait(false);
            }

            await Report.FlushAsync(cancellationToken).ConfigureAwait(false);
            if (rebootLocal is not null && await new HostReboot().RequestAsync(rebootLocal, null, cancellationToken).ConfigureAwait(false) is { } refused)
            {
                await Context.Error.WriteLineAsync($"upgrade: {rebootLocal.Name} needs a reboot, but {refused}").ConfigureAwait(false);
                exit = Math.Max(exit, ExitCodes.Failed);
            }

            return exit;
        }

        /// <summary>
        /// The orchestrator's own host: when it needs a reboot and everything else went well, it is
        /// asked to reboot last, after the report, without waiting for it.
        /// </summary>
        private static async Task<(string Note, Host? Reboot)> LocalRebootAsync(Fleet fleet, string? local, List<string> deployed, int exit, CancellationToken cancellationToken)
        {
            if (local is null || !deployed.Contains(local))
            {
                return ("not rebooted", null);
            }

            var host = fleet.FindHost(local)!;
            var status = await new HostStatusReader().ReadAsync(host, null, cancellationToken).ConfigureAwait(false);
            if (!status.NeedsReboot)
            {
                return ("no reboot needed (this orchestrator's host)", null);
            }

            return exit != ExitCodes.Success
                ? ("NEEDS A REBOOT: not rebooted because something else failed; reboot it when ready", null)
                : ("rebooting now, last (this orchestrator's host; not waited for)", host);
        }
    }
}
