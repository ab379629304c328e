using System.CommandLine;
using System.Globalization;
using Flotilla.Cli.Output;
using Flotilla.Execution;
using Flotilla.Planning;

namespace Flotilla.Cli.Commands;

/// <summary><c>flotilla runs</c> lists the journaled runs; <c>flotilla runs show ID</c> shows one step by step.</summary>
internal static class RunsCommand
{
    public static Option<string> StateDirectory() => new("--state-dir")
    {
        Description = "Where run journals live",
        DefaultValueFactory = _ => RunJournal.DefaultStateDirectory(),
        HelpName = "DIR",
    };

    public static Command Create(CliContext context)
    {
        var state = StateDirectory();
        var server = new ServerConnectionOptions("--server", "runs", required: false);
        server.Url.Description = $"List the runs a control plane keeps (started there, or pushed by deploy|rollback --server) instead of the state directory's (or {ControlPlaneClient.UrlVariable})";
        var command = new Command("runs", "List deploy and reboot runs, newest last") { state };
        server.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            IReadOnlyList<RunListing> runs;
            if (server.IsGiven(parse))
            {
                using var client = await server.ClientAsync(context, parse, cancellationToken).ConfigureAwait(false);
                if (client is null)
                {
                    return ExitCodes.InvalidInput;
                }

                try
                {
                    runs = [.. (await client.RunsAsync(cancellationToken).ConfigureAwait(false)).Select(Listing)];
                }
                catch (ControlPlaneException e)
                {
                    await context.Error.WriteLineAsync($"runs: {client.Server}: {e.Message}").ConfigureAwait(false);
                    return ExitCodes.Failed;
                }
            }
            else
            {
                runs = await RunJournal.ListAsync(parse.GetValue(state)!, cancellationToken).ConfigureAwait(false);
            }

            var table = new TextTable("ID", "OPERATION", "STARTED", "FINISHED", "STATUS", "STEPS");
            foreach (var run in runs)
            {
                table.Add(
                    run.Id,
                    run.Operation.ToName(),
                    Time(run.Started),
                    run.Finished is { } finished ? Time(finished) : "-",
                    Status(run.Status),
                    Counts(run.Counts));
            }

            await table.WriteAsync(context).ConfigureAwait(false);
            return ExitCodes.Success;
        });
        command.Subcommands.Add(Show(context));
        return command;
    }

    private static RunListing Listing(Flotilla.Contracts.RunListingView run) => new(
        run.Id,
        OperationNames.TryParse(run.Operation, out var operation)
            ? operation
            : throw new ControlPlaneException($"the server lists run {run.Id} as a \"{run.Operation}\", an operation this version of Flotilla does not know ({OperationNames.KnownNames}): use the server's version"),
        run.Started,
        run.Finished,
        new StepCounts(run.Pending, run.Running, run.Succeeded, run.Failed, run.Skipped, run.RolledBack, run.NeedsAttention),
        run.Status switch
        {
            "succeeded" => RunStatus.Succeeded,
            "failed" => RunStatus.Failed,
            "needs-attention" => RunStatus.NeedsAttention,
            _ => RunStatus.Unfinished,
        });

    private static Command Show(CliContext context)
    {
        var state = StateDirectory();
        var id = new Argument<string>("ID") { Description = "The run, as `flotilla runs` lists it" };
        var command = new Command("show", "Show one run: every step's state, timing and message, and where its logs are") { state, id };
        command.SetAction(async (parse, cancellationToken) =>
        {
            RunJournal journal;
            try
            {
                journal = await RunJournal.OpenAsync(parse.GetValue(state)!, parse.GetValue(id)!, cancellationToken).ConfigureAwait(false);
            }
            catch (RunJournalException e)
            {
                await context.Error.WriteLineAsync("runs: " + e.Message).ConfigureAwait(false);
                return ExitCodes.InvalidInput;
            }

            await using (journal.ConfigureAwait(false))
            {
                var info = journal.Info;
                await context.Output.WriteLineAsync($"run {info.Id}: {info.Operation} of {info.InventoryPath ?? "-"}").ConfigureAwait(false);
                await context.Output.WriteLineAsync($"started {Time(info.Started)}, {(journal.Result is { } result ? $"finished {Time(result.Finished)} with exit code {result.ExitCode.ToString(CultureInfo.InvariantCulture)}" : "unfinished (running, or stopped: resume it with flotilla deploy --resume " + info.Id + ")")}").ConfigureAwait(false);
                if (!info.Selection.IsEmpty)
                {
                    await context.Output.WriteLineAsync("selection: " + string.Join(' ', info.Selection)).ConfigureAwait(false);
                }

                var table = new TextTable("STEP", "STATE", "TIME", "MESSAGE");
                foreach (var step in journal.Steps)
                {
                    var took = step is { Started: { } s, Finished: { } f } ? (f - s).TotalSeconds.ToString("F1", CultureInfo.InvariantCulture) + "s" : "-";
                    table.Add(step.Id, step.Interrupted ? "interrupted" : StateName(step.State), took, FirstLine(step.Message));
                }

                await table.WriteAsync(context).ConfigureAwait(false);
                await context.Output.WriteLineAsync("logs: " + Path.Combine(journal.RunDirectory, RunJournal.LogsDirectory)).ConfigureAwait(false);
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static string StateName(StepState state) => state switch
    {
        StepState.RolledBack => "rolled-back",
        StepState.NeedsAttention => "needs-attention",
        _ => state.ToString().ToLowerInvariant(),
    };

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string Status(RunStatus status) => status switch
    {
        RunStatus.Unfinished => "unfinished",
        RunStatus.Succeeded => "succeeded",
        RunStatus.Failed => "failed",
        _ => "needs attention",
    };

    private static string Counts(StepCounts counts)
    {
        var parts = new List<string>();
        Add(counts.Succeeded, "ok");
        Add(counts.Failed, "failed");
        Add(counts.RolledBack, "rolled back");
        Add(counts.NeedsAttention, "need attention");
        Add(counts.Skipped, "skipped");
        Add(counts.Pending + counts.Running, "not done");
        return parts.Count == 0 ? "-" : string.Join(", ", parts);

        void Add(int n, string what)
        {
            if (n > 0)
            {
                parts.Add(n.ToString(CultureInfo.InvariantCulture) + " " + what);
            }
        }
    }

    private static string FirstLine(string? message)
    {
        if (string.IsNullOrEmpty(message))
        {
            return "";
        }

        var line = message.Split('\n')[0];
        return line.Length > 200 ? line[..197] + "..." : line;
    }
}
