using System.Collections.Immutable;
using System.CommandLine;
using System.Globalization;
using Flotilla.Execution;
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

            var chosen = selection.Read(parse);
            var planned = Planner.Build(fleet, Operation.Rollback, chosen);
            if (!planned.Succeeded)
            {
                InventoryCommands.Print(context, planned.Errors);
                return ExitCodes.InvalidInput;
            }

            var (failed, client, agents) = await server.AgentsAsync(context, parse, cancellationToken).ConfigureAwait(false);
            using var connection = client;
            if (failed is { } exit)
            {
                return exit;
            }

            var stateDirectory = parse.GetValue(state)!;
            var runId = RunJournal.NewId(stateDirectory);
            var (refused, lease) = await RunLeases.TakeAsync(context, stateDirectory, RunLeases.For("rollback", RunLeases.HostsOf(planned.Plan), leaseSettings) with { RunId = runId }, cancellationToken).ConfigureAwait(false);
            if (refused is { } code)
            {
                return code;
            }

            await using var held = lease!.ConfigureAwait(false);
            var metadata = new RunMetadata("rollback", fleet.SourcePath)
            {
                Id = runId,
                Selection = DeployRunner.Describe(chosen),
                Options = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, new Dictionary<string, string>
                {
                    ["confirm-timeout"] = confirmTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture) + "s",
                    ["parallel"] = parse.GetValue(parallel).ToString(CultureInfo.InvariantCulture),
                }),
            };
            await using var journal = await RunJournal.CreateAsync(stateDirectory, planned.Plan, metadata, cancellationToken: cancellationToken).ConfigureAwait(false);
            var executor = new RollbackStepExecutor(new DeployOptions { ConfirmTimeout = confirmTimeout, Agents = agents });
            var scheduler = new SchedulerOptions { Parallel = Math.Max(1, parse.GetValue(parallel)) };
            var ended = await PlanRunner.RunAsync(context, fleet, journal, executor, scheduler, parse.GetValue(json), "rolling back", null, [], cancellationToken).ConfigureAwait(false);
            await ServerConnectionOptions.PushRunAsync(context, client, stateDirectory, runId, cancellationToken).ConfigureAwait(false);
            return ended;
        });
        return command;
    }
}
