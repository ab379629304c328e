using System.CommandLine;
using Flotilla.Cli.Output;
using Flotilla.Execution;
using Flotilla.Execution.Operations;
using Flotilla.Inventory;
using Flotilla.Planning;

namespace Flotilla.Cli.Commands;

/// <summary>
/// <c>flotilla rollback</c>: the selected hosts go back to their previous generation, in reverse
/// dependency order (a host before the hosts it depends on), each under the watchdog and its
/// health gates, as a journaled run, under a lease on the selected hosts.
/// </summary>
internal static class RollbackCommand
{
    public static Command Create(CliContext context)
    {
        var file = CommonOptions.File();
        var selection = new SelectionOptions(context);
        var json = CommonOptions.Events();
        var state = RunsCommand.StateDirectory();
        var parallel = CommonOptions.Parallel("How many steps run at once", SchedulerOptions.DefaultParallel);
        var confirm = CommonOptions.ConfirmTimeout("How long a host waits for confirmation before it returns to the generation it had");
        var dryRun = CommonOptions.DryRun();
        var leases = new LeaseOptions();
        var server = ServerConnectionOptions.ForRuns("rollback");
        var command = new Command("rollback", "Switch the selected hosts to their previous generation, dependents first, with health gates")
        {
            file, json, state, parallel, confirm, dryRun,
        };
        selection.AddTo(command);
        leases.AddTo(command);
        server.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (parse.GetValue(dryRun))
            {
                return await PlanCommand.PrintAsync(context, parse.GetValue(file), Operation.Rollback, selection.Read(parse), parse.GetValue(json) ? PlanFormat.Json : PlanFormat.Text, cancellationToken).ConfigureAwait(false);
            }

            var confirmTimeout = confirm.Read(parse);
            var leaseSettings = leases.Read(parse);

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
            var request = new RollbackRequest(selection.Read(parse), confirmTimeout, parse.GetValue(parallel)) { Lease = leaseSettings, Agents = agents };
            var stateDirectory = parse.GetValue(state)!;
            var outcome = await new RollbackOperation(ServerConnectionOptions.RunEnvironment(stateDirectory, view, client)).RunAsync(fleet, request, cancellationToken).ConfigureAwait(false);
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
