using System.Collections.Immutable;
using System.CommandLine;
using System.Globalization;
using Flotilla.Cli.Output;
using Flotilla.Contracts;
using Flotilla.Execution;
using Flotilla.Execution.Operations;
using Flotilla.Inventory;
using Flotilla.Planning;

namespace Flotilla.Cli.Commands;

/// <summary>
/// <c>flotilla migrate status</c>: services that run both as a NixOS unit and as a container, and
/// the conflicts between them. <c>flotilla migrate HOST/SERVICE|all --to container</c> moves them
/// to their containers and <c>--rollback</c> back (<see cref="MigrationRunner"/>), as a journaled
/// run under a lease on their hosts; <c>--resume RUN-ID</c> goes on with a stopped one.
/// </summary>
internal static class MigrateCommand
{
    public static Command Create(CliContext context)
    {
        var file = CommonOptions.File();
        var targets = new Argument<string[]>("HOST/SERVICE") { Description = "The services to migrate (HOST/SERVICE), or all: every service with a legacy unit on the selected hosts", Arity = ArgumentArity.ZeroOrMore };
        var to = new Option<string?>("--to") { Description = "Where the services go: container", HelpName = "container" };
        to.AcceptOnlyFromAmong("container");
        var rollback = new Option<bool>("--rollback") { Description = "Return migrated services to their legacy NixOS units, dependents first" };
        var resume = new Option<string?>("--resume") { Description = "Go on with a migration run that was stopped: its finished services are not redone", HelpName = "RUN-ID" };
        var hostState = HostState();
        var json = CommonOptions.Events();
        var state = RunsCommand.StateDirectory();
        var on = new SelectionOptions(context).On;
        var leases = new LeaseOptions();
        var command = new Command("migrate", "Move services from the NixOS units they replace to their containers (seed 001's side-by-side migration): back up, stop the unit, give its data to the container, start and health-gate it, then mask the unit; any failure returns to the unit with its data as it was")
        {
            file, targets, to, rollback, resume, hostState, json, state, on,
        };
        leases.AddTo(command);
        command.Subcommands.Add(Status(context));
        command.SetAction(async (parse, cancellationToken) =>
        {
            var back = parse.GetValue(rollback);
            var resumed = parse.GetValue(resume);
            if (resumed is null && (back == (parse.GetValue(to) is not null) || parse.GetValue(targets) is not { Length: > 0 }))
            {
                await context.Error.WriteLineAsync("migrate: name the services (HOST/SERVICE, or all) and either --to container or --rollback; flotilla migrate status lists them").ConfigureAwait(false);
                return ExitCodes.InvalidInput;
            }

            var leaseSettings = leases.Read(parse);
            var stateDirectory = parse.GetValue(state)!;
            var view = new CliOperationView(context, parse.GetValue(json));
            var operation = new MigrateOperation(OperationEnvironment.ForStateDirectory(stateDirectory, view));
            RunOutcome outcome;
            if (resumed is not null)
            {
                // The run's own settings, unless the command line names others.
                var given = parse.GetResult(hostState) is { Implicit: false } ? parse.GetValue(hostState) : null;
                if (await OpenAsync(context, stateDirectory, resumed, cancellationToken).ConfigureAwait(false) is not { } journal)
                {
                    return ExitCodes.InvalidInput;
                }

                await using (journal.ConfigureAwait(false))
                {
                    var resumedFleet = await InventoryCommands.LoadValidAsync(context, parse.GetValue(file) ?? journal.Info.InventoryPath, cancellationToken).ConfigureAwait(false);
                    if (resumedFleet is null)
                    {
                        return ExitCodes.InvalidInput;
                    }

                    outcome = await operation.ResumeAsync(resumedFleet, journal, given, leaseSettings, cancellationToken).ConfigureAwait(false);
                }
            }
            else
            {
                var fleet = await InventoryCommands.LoadValidAsync(context, parse.GetValue(file), cancellationToken).ConfigureAwait(false);
                if (fleet is null)
                {
                    return ExitCodes.InvalidInput;
                }

                if (await ResolveAsync(context, fleet, parse.GetValue(targets)!, HostSelector.Split(parse.GetValue(on)), cancellationToken).ConfigureAwait(false) is not { } services)
                {
                    return ExitCodes.InvalidInput;
                }

                outcome = await operation.RunAsync(fleet, new MigrateRequest(services, back, parse.GetValue(hostState)!) { Lease = leaseSettings }, cancellationToken).ConfigureAwait(false);
            }

            if (outcome.Refusal is { } refusal)
            {
                view.Refusal(refusal);
            }

            return outcome.ExitCode;
        });
        return command;
    }

    private static Option<string> HostState() => new("--host-state")
    {
        Description = "Where each host keeps its migration records (it must survive a reboot)",
        HelpName = "DIR",
        DefaultValueFactory = _ => new MigrationOptions().HostStateDirectory,
    };

    private static Command Status(CliContext context)
    {
        var file = CommonOptions.File();
        var hostState = HostState();
        var selection = new SelectionOptions(context);
        var command = new Command("status", "List the services that run both as a NixOS unit and as a container, where each stands, and the conflicts between them: one port, one name, one data directory, different owners") { file, hostState };
        selection.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (await InventoryCommands.SelectServicesAsync(context, parse.GetValue(file), selection.Read(parse), MigrationRunner.Candidates, cancellationToken).ConfigureAwait(false) is not var (fleet, services))
            {
                return ExitCodes.InvalidInput;
            }

            if (services.Count == 0)
            {
                await context.Output.WriteLineAsync("migrate: no selected container service has a legacy NixOS unit (a legacy part, or a unit of its name)").ConfigureAwait(false);
                return ExitCodes.Success;
            }

            var statuses = await new MigrationRunner(null, new MigrationOptions { HostStateDirectory = parse.GetValue(hostState)! }).StatusAsync(fleet, services, cancellationToken).ConfigureAwait(false);
            var table = new TextTable("HOST", "SERVICE", "LEGACY", "CONTAINER", "STATE", "CONFLICTS");
            foreach (var status in statuses)
            {
                var where = status.Problem is not null ? "unknown"
                    : status.Migrated ? "migrated"
                    : status.LegacyState == "active" && status.ContainerState == "active" ? "both running"
                    : status.LegacyState == "active" ? "legacy"
                    : status.ContainerState == "active" ? "container"
                    : "neither running";
                table.Add(status.Host, status.Service, $"{status.LegacyUnit} ({status.LegacyState})", $"{status.ContainerUnit} ({status.ContainerState})", where,
                    status.Problem ?? (status.Conflicts.IsEmpty ? "-" : string.Join("; ", status.Conflicts)));
            }

            await table.WriteAsync(context).ConfigureAwait(false);
            return statuses.Any(s => s.Problem is not null) ? ExitCodes.Failed : ExitCodes.Success;
        });
        return command;
    }

    /// <summary>The services the arguments name (HOST/SERVICE, or all on the selected hosts), in dependency order; null after saying what is wrong.</summary>
    private static async Task<IReadOnlyList<Service>?> ResolveAsync(CliContext context, Fleet fleet, string[] targets, ImmutableArray<string> on, CancellationToken cancellationToken)
    {
        var hosts = InventoryCommands.Select(context, fleet, new Planning.Selection { On = on });
        if (hosts is null)
        {
            return null;
        }

        var candidates = MigrationRunner.Candidates(fleet, hosts, []);
        if (targets is ["all"])
        {
            if (candidates.Count == 0)
            {
                await context.Error.WriteLineAsync("migrate: no selected container service has a legacy NixOS unit; flotilla migrate status lists them").ConfigureAwait(false);
                return null;
            }

            return candidates;
        }

        var chosen = new List<Service>();
        foreach (var text in targets)
        {
            var slash = text.IndexOf('/', StringComparison.Ordinal);
            var service = slash <= 0 ? null : fleet.Services.FirstOrDefault(s => s.Host == text[..slash] && (s.Name == text[(slash + 1)..] || s.Name == text));
            if (service is null)
            {
                await context.Error.WriteLineAsync($"migrate: \"{text}\" names no service of the inventory; write HOST/SERVICE (flotilla migrate status lists them) or all").ConfigureAwait(false);
                return null;
            }

            if (MigrationRunner.Problem(service) is { } problem)
            {
                await context.Error.WriteLineAsync($"migrate: {text}: {problem}").ConfigureAwait(false);
                return null;
            }

            chosen.Add(service);
        }

        cancellationToken.ThrowIfCancellationRequested();
        return [.. candidates.Where(chosen.Contains)];
    }

    private static async Task<RunJournal?> OpenAsync(CliContext context, string stateDirectory, string runId, CancellationToken cancellationToken)
    {
        try
        {
            return await RunJournal.OpenAsync(stateDirectory, runId, cancellationToken).ConfigureAwait(false);
        }
        catch (RunJournalException e)
        {
            await context.Error.WriteLineAsync("migrate: " + e.Message).ConfigureAwait(false);
            return null;
        }
    }
}
