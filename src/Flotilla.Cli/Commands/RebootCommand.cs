using System.CommandLine;
using Flotilla.Cli.Output;
using Flotilla.Execution;
using Flotilla.Execution.Operations;
using Flotilla.Planning;

namespace Flotilla.Cli.Commands;

/// <summary>
/// <c>flotilla reboot</c>: the reboot plan as a journaled run, one host at a time (by rebootOrder,
/// a host after the hosts it depends on): its rebootDelay, the reboot, a new boot id, the booted
/// system checked against the profile's default, its health gates. Inside the maintenance window
/// only, under a lease on the whole fleet (the fleet lock), after pre-flight checks.
/// </summary>
internal static class RebootCommand
{
    public static Command Create(CliContext context)
    {
        var file = CommonOptions.File();
        var selection = new SelectionOptions(context);
        var json = CommonOptions.Events();
        var state = RunsCommand.StateDirectory();
        var onlyIfNeeded = new Option<bool>("--only-if-needed") { Description = "Reboot only hosts whose booted kernel, initrd or kernel modules differ from the current system's" };
        var maintenance = new MaintenanceOptions();
        var dryRun = CommonOptions.DryRun();
        var server = ServerConnectionOptions.ForRuns("reboot");
        var command = new Command("reboot", "Reboot the selected hosts one at a time in order, each verified (new boot id, booted the default system, healthy) before the next")
        {
            file, json, state, onlyIfNeeded, dryRun,
        };
        selection.AddTo(command);
        maintenance.AddTo(command);
        server.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (parse.GetValue(dryRun))
            {
                return await PlanCommand.PrintAsync(context, parse.GetValue(file), Operation.Reboot, selection.Read(parse), parse.GetValue(json) ? PlanFormat.Json : PlanFormat.Text, cancellationToken).ConfigureAwait(false);
            }

            var settings = maintenance.Read(parse, context, "reboot");
            if (settings is null)
            {
                return ExitCodes.InvalidInput;
            }

            var fleet = await InventoryCommands.LoadValidAsync(context, parse.GetValue(file), cancellationToken).ConfigureAwait(false);
            if (fleet is null)
            {
                return ExitCodes.InvalidInput;
            }

            var (failed, client, agents) = await server.AgentsAsync(context, parse, cancellationToken).ConfigureAwait(false);
            using var connection = client;
            if (failed is { } exit)
            {
                return exit;
            }

            var view = new CliOperationView(context, parse.GetValue(json));
            var request = new RebootRequest(selection.Read(parse), settings, parse.GetValue(onlyIfNeeded)) { Agents = agents };
            var stateDirectory = parse.GetValue(state)!;
            var outcome = await new RebootOperation(ServerConnectionOptions.RunEnvironment(stateDirectory, view, client)).RunAsync(fleet, request, cancellationToken).ConfigureAwait(false);
            if (outcome.Refusal is { } refusal)
            {
                view.Refusal(refusal);
            }

            if (outcome.RunId is { } runId)
            {
                await ServerConnectionOptions.PushRunAsync(context, client, stateDirectory, runId, cancellationToken).ConfigureAwait(false);
            }

            return outcome.ExitCode;
        });
        return command;
    }
}
