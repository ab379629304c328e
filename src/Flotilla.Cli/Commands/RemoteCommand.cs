using System.CommandLine;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Text.Json;
using Flotilla.Cli.Output;
using Flotilla.Contracts;
using Flotilla.Execution;

namespace Flotilla.Cli.Commands;

/// <summary>
/// <c>flotilla remote hosts|run</c>: the control plane's API from the command line. The token
/// comes from <c>--token</c>, <c>FLOTILLA_TOKEN</c> or <c>--token-file</c> (the last two keep it
/// out of argv).
/// </summary>
internal static class RemoteCommand
{
    public static Command Create(CliContext context) =>
        new("remote", "Use a control plane's API: list its hosts, run commands on them") { Hosts(context), Run(context) };

    private static Command Hosts(CliContext context)
    {
        var connection = new ServerConnectionOptions("--url", "flotilla remote", required: true);
        var json = CommonOptions.Json("Print the API's JSON");
        var command = new Command("hosts", "List the hosts the control plane knows, online or offline") { json };
        connection.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var client = await connection.ClientAsync(context, parse, cancellationToken).ConfigureAwait(false);
            if (client is null)
            {
                return ExitCodes.InvalidInput;
            }

            try
            {
                var hosts = await client.HostsAsync(cancellationToken).ConfigureAwait(false);
                if (parse.GetValue(json))
                {
                    await context.Output.WriteLineAsync(JsonSerializer.Serialize(hosts, ApiJsonContext.Default.IReadOnlyListHostView)).ConfigureAwait(false);
                    return ExitCodes.Success;
                }

                var table = new TextTable("NAME", "STATUS", "LAST-SEEN", "PLATFORM", "GENERATION", "CPU%", "LOAD");
                foreach (var host in hosts)
                {
                    table.Add(
                        host.Name,
                        host.Status,
                        host.LastSeen?.ToString("u", System.Globalization.CultureInfo.InvariantCulture) ?? "-",
                        host.Facts?.Platform ?? "-",
                        host.Facts?.Generation?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-",
                        host.Metrics?.CpuPercent.ToString("0.#", System.Globalization.CultureInfo.InvariantCulture) ?? "-",
                        host.Metrics?.Load1.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture) ?? "-");
                }

                await table.WriteAsync(context).ConfigureAwait(false);
                return ExitCodes.Success;
            }
            catch (ControlPlaneException e)
            {
                await context.Error.WriteLineAsync($"flotilla remote: {e.Message}").ConfigureAwait(false);
                return e.Status == System.Net.HttpStatusCode.BadRequest ? ExitCodes.InvalidInput : ExitCodes.Failed;
            }
        });
        return command;
    }

    private static Command Run(CliContext context)
    {
        var connection = new ServerConnectionOptions("--url", "flotilla remote", required: true);
        var on = new Option<string>("--on") { Description = "Which hosts: " + HostSelector.Grammar + " (@tag: the tags agents report with --tag, and the inventory's with serve -f)", Required = true, HelpName = "SELECTOR" };
        var op = new Option<string>("--op") { Description = $"An op instead of a command: {string.Join(", ", Ops.All.Where(o => o != Ops.Exec))}", DefaultValueFactory = _ => Ops.Exec, HelpName = "OP" };
        var timeout = new Option<double?>("--timeout") { Description = "Seconds the command may run on each host (default: the op's)", HelpName = "SECONDS" };
        var words = new Argument<string[]>("COMMAND") { Description = "The command and its arguments, after --", Arity = ArgumentArity.ZeroOrMore };
        var command = new Command("run", "Run a command (or an op) on hosts through the control plane, streaming each host's output") { on, op, timeout, words };
        connection.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (parse.GetValue(timeout) is { } seconds && Limits.CommandTimeoutSeconds.Check(seconds, "--timeout") is { } outOfRange)
            {
                await context.Error.WriteLineAsync($"flotilla remote run: {outOfRange}").ConfigureAwait(false);
                return ExitCodes.InvalidInput;
            }

            using var client = await connection.ClientAsync(context, parse, cancellationToken).ConfigureAwait(false);
            if (client is null)
            {
                return ExitCodes.InvalidInput;
            }

            var argv = parse.GetValue(words) ?? [];
            var chosen = parse.GetValue(op)!;
            if (chosen == Ops.Exec && argv.Length == 0)
            {
                await context.Error.WriteLineAsync("flotilla remote run: give the command after -- (or an --op)").ConfigureAwait(false);
                return ExitCodes.InvalidInput;
            }

            try
            {
                var request = new CreateCommandsRequest(parse.GetValue(on)!, chosen, [.. argv], parse.GetValue(timeout));
                var batch = await client.CreateCommandsAsync(request, cancellationToken).ConfigureAwait(false);
                return await FollowAsync(context, client, batch, cancellationToken).ConfigureAwait(false);
            }
            catch (ControlPlaneException e)
            {
                await context.Error.WriteLineAsync($"flotilla remote: {e.Message}").ConfigureAwait(false);
                return e.Status == System.Net.HttpStatusCode.BadRequest ? ExitCodes.InvalidInput : ExitCodes.Failed;
            }
        });
        return command;
    }

    private static async Task<int> FollowAsync(CliContext context, ControlPlaneClient client, CreateCommandsResponse batch, CancellationToken cancellationToken)
    {
        var width = batch.Commands.Max(c => c.Host.Length);
        var states = await client.FollowAsync(
            batch.BatchId,
            output => (output.Stream == "stderr" ? context.Error : context.Output).WriteLineAsync($"{output.Host.PadRight(width)} | {output.Text}"),
            cancellationToken).ConfigureAwait(false);
        var failed = 0;
        foreach (var command in batch.Commands)
        {
            if (states.TryGetValue(command.Id, out var state) && state.State == "succeeded")
            {
                continue;
            }

            failed++;
            var what = state is null ? "did not finish" : state.State + (state.ExitCode is { } code ? $" (exit {code})" : "") + (state.Message is { } m ? ": " + m : "");
            await context.Error.WriteLineAsync($"{command.Host}: {what}").ConfigureAwait(false);
        }

        return failed == 0 ? ExitCodes.Success : ExitCodes.Failed;
    }
}
