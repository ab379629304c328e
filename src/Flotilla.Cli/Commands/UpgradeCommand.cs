using System.CommandLine;
using Flotilla.Cli.Output;
using Flotilla.Execution;
using Flotilla.Execution.Operations;

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
            var path = parse.GetValue(file);
            var view = new CliOperationView(context, parse.GetValue(json));
            var request = new UpgradeRequest(
                Path.GetFullPath(path ?? ".", context.WorkingDirectory),
                selection.Read(parse),
                settings,
                new DeployOptions { ConfirmTimeout = confirmTimeout, Substituters = parse.GetValue(substituters) })
            {
                Commit = parse.GetValue(commit),
                Update = !parse.GetValue(noUpdate),
                LocalHost = parse.GetValue(localHost),
            };
            var upgrade = new UpgradeOperation(
                OperationEnvironment.ForStateDirectory(parse.GetValue(state)!, view),
                (flake, token) => InventoryCommands.LoadValidAsync(context, flake, token),
                LocalHost.Find);
            var outcome = await upgrade.RunAsync(request, cancellationToken).ConfigureAwait(false);
            switch (outcome.Refusal)
            {
                case NotAFlake:
                    // Named as the command line gave it.
                    view.Refusal(new NotAFlake(UpgradeOperation.Name, path ?? context.WorkingDirectory));
                    break;
                case { } refusal:
                    view.Refusal(refusal);
                    break;
            }

            if (outcome.LocalRebootRefused is var (host, reason))
            {
                await context.Error.WriteLineAsync($"upgrade: {host} needs a reboot, but {reason}").ConfigureAwait(false);
            }

            return outcome.ExitCode;
        });
        return command;
    }
}
