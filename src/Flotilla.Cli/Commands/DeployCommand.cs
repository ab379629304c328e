using System.Collections.Immutable;
using System.CommandLine;
using System.Globalization;
using Flotilla.Execution;
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
        var selection = new SelectionOptions();
        var json = CommonOptions.Json("Print one JSON object per line per event instead of live progress");
        var state = RunsCommand.StateDirectory();
        var goal = new Option<string>("--goal") { Description = "What activation does", DefaultValueFactory = _ => "switch" };
        goal.AcceptOnlyFromAmong("switch", "boot", "test", "dry-activate");
        var parallel = new Option<int>("--parallel") { Description = "How many steps run at once", DefaultValueFactory = _ => SchedulerOptions.DefaultParallel };
        var failFast = new Option<bool>("--fail-fast") { Description = "Start nothing new after the first failure" };
        var batch = new Option<string?>("--batch-size") { Description = "Activate each group's hosts in batches of N hosts or N% (rolling)", HelpName = "N|N%" };
        var maxFail = new Option<double?>("--max-fail") { Description = "Stop a group once more than this percentage of its hosts failed", HelpName = "PERCENT" };
        var confirm = new Option<string>("--confirm-timeout") { Description = "How long a host waits for confirmation before it rolls back by itself", DefaultValueFactory = _ => "30s" };
        var force = new Option<bool>("--force") { Description = "Copy and activate even hosts already on the target closure" };
        var resume = new Option<string?>("--resume") { Description = "Continue a run that was stopped: confirmed hosts are not redone", HelpName = "RUN-ID" };
        var substituters = new Option<string?>("--substituters") { Description = "Binary caches for the builds (\"\" for none; default: nix.conf's)", HelpName = "URLS" };
        var command = new Command("deploy", "Build, copy, activate and verify the selected hosts, in dependency order, rolling back what fails")
        {
            file, json, state, goal, parallel, failFast, batch, maxFail, confirm, force, resume, substituters,
        };
        selection.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (!Durations.TryParse(parse.GetValue(confirm)!, out var confirmTimeout) || confirmTimeout <= TimeSpan.Zero)
            {
                await context.Error.WriteLineAsync("deploy: --confirm-timeout takes a duration such as 30s or 2m").ConfigureAwait(false);
                return ExitCodes.InvalidInput;
            }

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

            var stateDirectory = parse.GetValue(state)!;
            var request = new DeployRequest(
                parse.GetValue(file),
                selection.Read(parse),
                new DeployOptions
                {
                    Goal = parse.GetValue(goal) switch
                    {
                        "boot" => ActivationGoal.Boot,
                        "test" => ActivationGoal.Test,
                        "dry-activate" => ActivationGoal.DryActivate,
                        _ => ActivationGoal.Switch,
                    },
                    ConfirmTimeout = confirmTimeout,
                    Force = parse.GetValue(force),
                    Substituters = parse.GetValue(substituters),
                },
                new SchedulerOptions
                {
                    Parallel = Math.Max(1, parse.GetValue(parallel)),
                    FailFast = parse.GetValue(failFast),
                    BatchSize = batchSize,
                    MaxFailPercent = parse.GetValue(maxFail),
                },
                parse.GetValue(json));
            return parse.GetValue(resume) is { } runId
                ? await ResumeAsync(context, stateDirectory, runId, request, cancellationToken).ConfigureAwait(false)
                : await StartAsync(context, stateDirectory, request, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    private sealed record DeployRequest(string? File, Selection Selection, DeployOptions Options, SchedulerOptions Scheduler, bool Json);

    private static async Task<int> StartAsync(CliContext context, string stateDirectory, DeployRequest request, CancellationToken cancellationToken)
    {
        var fleet = await InventoryCommands.LoadValidAsync(context, request.File, cancellationToken).ConfigureAwait(false);
        if (fleet is null)
        {
            return ExitCodes.InvalidInput;
        }

        var planned = Planner.Build(fleet, Operation.Deploy, request.Selection);
        if (!planned.Succeeded)
        {
            InventoryCommands.Print(context, planned.Errors);
            return ExitCodes.InvalidInput;
        }

        var metadata = new RunMetadata("deploy", fleet.SourcePath)
        {
            Selection = Describe(request.Selection),
            Options = Options(request),
        };
        await using var journal = await RunJournal.CreateAsync(stateDirectory, planned.Plan, metadata, cancellationToken: cancellationToken).ConfigureAwait(false);
        return await RunAsync(context, fleet, journal, request, ImmutableHashSet<string>.Empty, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<int> ResumeAsync(CliContext context, string stateDirectory, string runId, DeployRequest request, CancellationToken cancellationToken)
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
            var fleet = await InventoryCommands.LoadValidAsync(context, request.File ?? journal.Info.InventoryPath, cancellationToken).ConfigureAwait(false);
            if (fleet is null)
            {
                return ExitCodes.InvalidInput;
            }

            var done = RunResume.CompletedSteps(journal);
            await context.Error.WriteLineAsync($"resuming run {journal.Id}: {done.Count.ToString(CultureInfo.InvariantCulture)} of {journal.Plan.Steps.Length.ToString(CultureInfo.InvariantCulture)} steps are done").ConfigureAwait(false);
            return await RunAsync(context, fleet, journal, request, done, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<int> RunAsync(CliContext context, Fleet fleet, RunJournal journal, DeployRequest request, ImmutableHashSet<string> done, CancellationToken cancellationToken)
    {
        var executor = new DeployStepExecutor(request.Options);
        var interactive = !request.Json && ReferenceEquals(context.Output, Console.Out) && !Console.IsOutputRedirected;
        IRunObserver observer = request.Json
            ? new JsonLinesObserver(context.Output)
            : new ConsoleProgressObserver(context.Output, interactive) { LogPathOf = journal.LogPath };
        if (!request.Json)
        {
            await context.Output.WriteLineAsync($"run {journal.Id}: deploying {journal.Plan.Steps.Select(s => s.Host).OfType<string>().Distinct().Count().ToString(CultureInfo.InvariantCulture)} hosts (journal: {journal.RunDirectory})").ConfigureAwait(false);
        }

        try
        {
            // One nix build for every host; a host whose build fails there fails its own build step.
            await executor.PrebuildAsync(fleet, journal.Plan, line => journal.WriteOutput(null, "build", TimeProvider.System.GetUtcNow(), line), cancellationToken).ConfigureAwait(false);
        }
        catch (NixBuildException e)
        {
            journal.WriteOutput(null, "build", TimeProvider.System.GetUtcNow(), "the batch build failed; building hosts one by one: " + e.Message);
        }

        using var refresh = new CancellationTokenSource();
        var ticker = interactive ? RefreshAsync((ConsoleProgressObserver)observer, refresh.Token) : Task.CompletedTask;
        RunSummary summary;
        try
        {
            summary = await new RunScheduler().RunAsync(journal.Plan, fleet, executor, request.Scheduler with { CompletedSteps = done }, journal, observer, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await refresh.CancelAsync().ConfigureAwait(false);
            await ticker.ConfigureAwait(false);
        }

        return summary.ExitCode;
    }

    private static async Task RefreshAsync(ConsoleProgressObserver observer, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                observer.Refresh();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static ImmutableArray<string> Describe(Selection selection) =>
        [.. selection.On, .. selection.Services.Select(s => "--service " + s), .. selection.WithDependents ? ["--with-dependents"] : Array.Empty<string>()];

    private static ImmutableSortedDictionary<string, string> Options(DeployRequest request) => ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, new Dictionary<string, string>
    {
        ["goal"] = request.Options.Goal.ToString().ToLowerInvariant(),
        ["confirm-timeout"] = request.Options.ConfirmTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture) + "s",
        ["parallel"] = request.Scheduler.Parallel.ToString(CultureInfo.InvariantCulture),
        ["fail-fast"] = request.Scheduler.FailFast ? "true" : "false",
        ["batch-size"] = request.Scheduler.BatchSize?.ToString() ?? "",
        ["max-fail"] = request.Scheduler.MaxFailPercent?.ToString(CultureInfo.InvariantCulture) ?? "",
        ["force"] = request.Options.Force ? "true" : "false",
    });
}
