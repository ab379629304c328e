using System.Collections.Immutable;
using System.CommandLine;
using System.Globalization;
using Flotilla.Cli.Output;
using Flotilla.Execution;
using Flotilla.Execution.Operations;
using Flotilla.Inventory;
using Flotilla.Planning;

namespace Flotilla.Cli.Commands;

/// <summary>
/// <c>flotilla deploy</c>: builds every selected host's closure in one nix build, then runs the
/// deploy plan: copy, keys, activation under the watchdog, health gates and confirmation, in
/// dependency order and in parallel where the graph allows, journaled so a killed run resumes.
/// </summary>
internal static class DeployCommand
{
    public static Command Create(CliContext context)
    {
        var file = CommonOptions.File();
        var selection = new SelectionOptions(context);
        var json = CommonOptions.Events();
        var state = RunsCommand.StateDirectory();
        var goal = new Option<ActivationGoal>("--goal")
        {
            Description = "What activation does: " + string.Join(", ", ActivationGoals.Names) + " (default: switch)",
            HelpName = "GOAL",
            CustomParser = result =>
            {
                var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
                if (!ActivationGoals.TryParse(text, out var parsed) || text == "dryactivate")
                {
                    result.AddError($"--goal takes one of {string.Join(", ", ActivationGoals.Names)}, not \"{text}\"");
                }

                return parsed;
            },
        };
        goal.CompletionSources.Add(ActivationGoals.Names.ToArray());
        var parallel = CommonOptions.Parallel("How many steps run at once", SchedulerOptions.DefaultParallel);
        var failFast = new Option<bool>("--fail-fast") { Description = "Start nothing new after the first failure" };
        var batch = new Option<string?>("--batch-size") { Description = "Activate each group's hosts in batches of N hosts or N% (rolling)", HelpName = "N|N%" };
        var maxFail = new Option<double?>("--max-fail") { Description = "Stop a group once more than this percentage of its hosts failed", HelpName = "PERCENT" };
        var confirm = CommonOptions.ConfirmTimeout("How long a host waits for confirmation before it rolls back by itself");
        var force = new Option<bool>("--force") { Description = "Copy and activate even hosts already on the target closure" };
        var resume = new Option<string?>("--resume") { Description = "Continue a run that was stopped: confirmed hosts are not redone", HelpName = "RUN-ID" };
        var substituters = CommonOptions.Substituters("the builds");
        var terraform = new Option<string?>("--terraform") { Description = "The OpenTofu or Terraform program for NixMox's terraform steps (default: tofu, else terraform, on PATH)", HelpName = "PATH" };
        var reboot = new Option<bool>("--reboot") { Description = "Deploy with goal boot, then reboot the deployed hosts in sequence (as flotilla reboot; the maintenance options below apply)" };
        var maintenance = new MaintenanceOptions();
        var dryRun = CommonOptions.DryRun();
        var server = ServerConnectionOptions.ForRuns("deploy");
        var cacheKey = new Option<string?>("--cache-key-file") { Description = "The secret key that signs closures pushed to a host's cache (hosts reached through agents); or FLOTILLA_CACHE_KEY", HelpName = "PATH" };
        var command = new Command("deploy", "Build, copy, activate and verify the selected hosts, in dependency order, rolling back what fails")
        {
            file, json, state, goal, parallel, failFast, batch, maxFail, confirm, force, resume, substituters, terraform, reboot, dryRun, cacheKey,
        };
        selection.AddTo(command);
        server.AddTo(command);
        maintenance.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (parse.GetValue(dryRun))
            {
                if (parse.GetValue(resume) is not null)
                {
                    await context.Error.WriteLineAsync("deploy: --dry-run prints a new plan; to see a stopped run, use flotilla runs show RUN-ID").ConfigureAwait(false);
                    return ExitCodes.InvalidInput;
                }

                return await PlanCommand.PrintAsync(context, parse.GetValue(file), Operation.Deploy, selection.Read(parse), parse.GetValue(json) ? PlanFormat.Json : PlanFormat.Text, cancellationToken).ConfigureAwait(false);
            }

            var confirmTimeout = confirm.Read(parse);

            BatchSize? batchSize = null;
            if (parse.GetValue(batch) is { } text)
            {
                if (!BatchSize.TryParse(text, out var parsed))
                {
                    await context.Error.WriteLineAsync("deploy: --batch-size takes a number of hosts (3) or a percentage (25%)").ConfigureAwait(false);
                    return ExitCodes.InvalidInput;
                }

                batchSize = parsed;
            }

            var (failed, client, agents) = await server.AgentsAsync(context, parse, cancellationToken).ConfigureAwait(false);
            using var connection = client;
            if (failed is { } code)
            {
                return code;
            }

            var stateDirectory = parse.GetValue(state)!;
            var request = new DeployRequest(
                selection.Read(parse),
                new DeployOptions
                {
                    Goal = parse.GetValue(goal),
                    ConfirmTimeout = confirmTimeout,
                    Force = parse.GetValue(force),
                    Substituters = parse.GetValue(substituters),
                    Terraform = parse.GetValue(terraform),
                    Agents = agents,
                    CacheKeyFile = parse.GetValue(cacheKey) ?? Environment.GetEnvironmentVariable("FLOTILLA_CACHE_KEY"),
                },
                new SchedulerOptions
                {
                    Parallel = Math.Max(1, parse.GetValue(parallel)),
                    FailFast = parse.GetValue(failFast),
                    BatchSize = batchSize,
                    MaxFailPercent = parse.GetValue(maxFail),
                });
            var isJson = parse.GetValue(json);
            if (parse.GetValue(reboot))
            {
                if (parse.GetValue(resume) is not null || parse.GetValue(goal) is not (ActivationGoal.Switch or ActivationGoal.Boot))
                {
                    await context.Error.WriteLineAsync("deploy: --reboot deploys with goal boot and then reboots; it does not combine with --resume or --goal test|dry-activate").ConfigureAwait(false);
                    return ExitCodes.InvalidInput;
                }

                var settings = maintenance.Read(parse, context, "deploy");
                return settings is null
                    ? ExitCodes.InvalidInput
                    : await DeployThenRebootAsync(context, stateDirectory, parse.GetValue(file), request with { Options = request.Options with { Goal = ActivationGoal.Boot } }, settings, isJson, cancellationToken).ConfigureAwait(false);
            }

            request = request with { Lease = maintenance.Lease.Read(parse) };
            return parse.GetValue(resume) is { } runId
                ? await ResumeAsync(context, stateDirectory, parse.GetValue(file), runId, request, Given(parse, goal, confirm, parallel, failFast, batch, maxFail, force, substituters, terraform), isJson, client, cancellationToken).ConfigureAwait(false)
                : await StartAsync(context, stateDirectory, parse.GetValue(file), request, isJson, cancellationToken, client).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary>
    /// The deploy of <paramref name="file"/>'s inventory (also the demo's): loads it, runs
    /// <see cref="DeployOperation"/>, says why when it refused; with a <paramref name="server"/>,
    /// the run's journal goes to it when the run ends.
    /// </summary>
    public static async Task<int> StartAsync(CliContext context, string stateDirectory, string? file, DeployRequest request, bool json, CancellationToken cancellationToken, ControlPlaneClient? server = null)
    {
        var fleet = await InventoryCommands.LoadValidAsync(context, file, cancellationToken).ConfigureAwait(false);
        if (fleet is null)
        {
            return ExitCodes.InvalidInput;
        }

        var view = new CliOperationView(context, json);
        var outcome = await new DeployOperation(ServerConnectionOptions.RunEnvironment(stateDirectory, view, server)).RunAsync(fleet, request, cancellationToken).ConfigureAwait(false);
        if (outcome.Refusal is { } refusal)
        {
            view.Refusal(refusal);
        }

        if (outcome.RunId is { } runId)
        {
            await ServerConnectionOptions.PushRunAsync(context, server, stateDirectory, runId, cancellationToken).ConfigureAwait(false);
        }

        return outcome.ExitCode;
    }

    /// <summary><c>deploy --resume</c>: the run's journal, its inventory (or <c>-f</c>'s), and the run goes on with the options it recorded.</summary>
    private static async Task<int> ResumeAsync(CliContext context, string stateDirectory, string? file, string runId, DeployRequest request, IReadOnlySet<string> given, bool json, ControlPlaneClient? server, CancellationToken cancellationToken)
    {
        RunJournal journal;
        try
        {
            journal = await RunJournal.OpenAsync(stateDirectory, runId, cancellationToken).ConfigureAwait(false);
        }
        catch (RunJournalException e)
        {
            await context.Error.WriteLineAsync("deploy: " + e.Message).ConfigureAwait(false);
            return ExitCodes.InvalidInput;
        }

        await using (journal.ConfigureAwait(false))
        {
            var fleet = await InventoryCommands.LoadValidAsync(context, file ?? journal.Info.InventoryPath, cancellationToken).ConfigureAwait(false);
            if (fleet is null)
            {
                return ExitCodes.InvalidInput;
            }

            var view = new CliOperationView(context, json);
            var outcome = await new DeployOperation(ServerConnectionOptions.RunEnvironment(stateDirectory, view, server)).ResumeAsync(fleet, journal, request, given, cancellationToken).ConfigureAwait(false);
            if (outcome.Refusal is { } refusal)
            {
                view.Refusal(refusal);
            }

            if (outcome.RunId is not null)
            {
                await ServerConnectionOptions.PushRunAsync(context, server, stateDirectory, journal.Id, cancellationToken).ConfigureAwait(false);
            }

            return outcome.ExitCode;
        }
    }

    /// <summary>
    /// <c>deploy --reboot</c>: inside the window and under a lease on the whole fleet, the deploy (goal boot),
    /// then the reboot sequence over the hosts it deployed (verified, and not already on their closure).
    /// </summary>
    private static async Task<int> DeployThenRebootAsync(CliContext context, string stateDirectory, string? file, DeployRequest request, MaintenanceSettings settings, bool json, CancellationToken cancellationToken)
    {
        var fleet = await InventoryCommands.LoadValidAsync(context, file, cancellationToken).ConfigureAwait(false);
        if (fleet is null)
        {
            return ExitCodes.InvalidInput;
        }

        var view = new CliOperationView(context, json);
        var outcome = await new DeployOperation(OperationEnvironment.ForStateDirectory(stateDirectory, view)).RunThenRebootAsync(fleet, request, settings, cancellationToken).ConfigureAwait(false);
        foreach (var refusal in new[] { outcome.Deploy.Refusal, outcome.Reboot?.Refusal }.OfType<OperationRefusal>())
        {
            view.Refusal(refusal);
        }

        return outcome.ExitCode;
    }

    /// <summary>The options the command line names (without their dashes), as opposed to their defaults.</summary>
    private static HashSet<string> Given(ParseResult parse, params Option[] options) =>
        [.. options.Where(o => parse.GetResult(o) is { Implicit: false }).Select(o => o.Name.TrimStart('-'))];
}
