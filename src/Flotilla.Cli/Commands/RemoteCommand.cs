using System.CommandLine;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Text.Json;
using Flotilla.Cli.Output;
using Flotilla.Contracts;

namespace Flotilla.Cli.Commands;

/// <summary>
/// <c>flotilla remote hosts|run</c>: the control plane's API from the command line. The token
/// comes from <c>--token</c>, <c>FLOTILLA_TOKEN</c> or <c>--token-file</c> (the last two keep it
/// out of argv).
/// </summary>
internal static class RemoteCommand
{
    public const string TokenVariable = "FLOTILLA_TOKEN";
    public const string UrlVariable = "FLOTILLA_URL";

    private sealed class Connection
    {
        public Option<string?> Url { get; } = new("--url") { Description = $"The server, e.g. http://127.0.0.1:8000 (or {UrlVariable})", HelpName = "URL" };
        public Option<string?> Token { get; } = new("--token") { Description = $"An API token (visible in the process list: prefer {TokenVariable} or --token-file)", HelpName = "TOKEN" };
        public Option<string?> TokenFile { get; } = new("--token-file") { Description = "A file holding the API token", HelpName = "PATH" };

        public void AddTo(Command command)
        {
            command.Options.Add(Url);
            command.Options.Add(Token);
            command.Options.Add(TokenFile);
        }

        public async Task<HttpClient?> ClientAsync(CliContext context, ParseResult parse, CancellationToken cancellationToken)
        {
            var url = parse.GetValue(Url) ?? Environment.GetEnvironmentVariable(UrlVariable);
            if (url is null || !Uri.TryCreate(url.TrimEnd('/') + "/", UriKind.Absolute, out var baseUri) || baseUri.Scheme is not ("http" or "https"))
            {
                await context.Error.WriteLineAsync($"flotilla remote: give the server as --url http(s)://HOST[:PORT] (or {UrlVariable})").ConfigureAwait(false);
                return null;
            }

            var token = parse.GetValue(Token) ?? Environment.GetEnvironmentVariable(TokenVariable);
            if (token is null && parse.GetValue(TokenFile) is { } file)
            {
                try
                {
                    token = (await File.ReadAllTextAsync(Path.GetFullPath(file, context.WorkingDirectory), cancellationToken).ConfigureAwait(false)).Trim();
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    await context.Error.WriteLineAsync($"flotilla remote: cannot read the token file {file}: {e.Message}").ConfigureAwait(false);
                    return null;
                }
            }

            if (string.IsNullOrEmpty(token))
            {
                await context.Error.WriteLineAsync($"flotilla remote: no API token: give --token, {TokenVariable} or --token-file (create one with flotilla tokens create-api NAME)").ConfigureAwait(false);
                return null;
            }

            var client = new HttpClient { BaseAddress = baseUri, Timeout = Timeout.InfiniteTimeSpan };
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            return client;
        }
    }

    public static Command Create(CliContext context) =>
        new("remote", "Use a control plane's API: list its hosts, run commands on them") { Hosts(context), Run(context) };

    private static Command Hosts(CliContext context)
    {
        var connection = new Connection();
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
                using var response = await client.GetAsync("api/hosts", cancellationToken).ConfigureAwait(false);
                if (!await CheckAsync(context, response, cancellationToken).ConfigureAwait(false))
                {
                    return ExitCodes.Failed;
                }

                var hosts = await response.Content.ReadFromJsonAsync(ApiJsonContext.Default.IReadOnlyListHostView, cancellationToken).ConfigureAwait(false) ?? [];
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
            catch (HttpRequestException e)
            {
                await context.Error.WriteLineAsync($"flotilla remote: {client.BaseAddress}: {e.Message}").ConfigureAwait(false);
                return ExitCodes.Failed;
            }
        });
        return command;
    }

    private static Command Run(CliContext context)
    {
        var connection = new Connection();
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
                using var created = await client.PostAsJsonAsync("api/commands", request, ApiJsonContext.Default.CreateCommandsRequest, cancellationToken).ConfigureAwait(false);
                if (!await CheckAsync(context, created, cancellationToken).ConfigureAwait(false))
                {
                    return created.StatusCode == System.Net.HttpStatusCode.BadRequest ? ExitCodes.InvalidInput : ExitCodes.Failed;
                }

                var batch = (await created.Content.ReadFromJsonAsync(ApiJsonContext.Default.CreateCommandsResponse, cancellationToken).ConfigureAwait(false))!;
                return await FollowAsync(context, client, batch, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException e)
            {
                await context.Error.WriteLineAsync($"flotilla remote: {client.BaseAddress}: {e.Message}").ConfigureAwait(false);
                return ExitCodes.Failed;
            }
        });
        return command;
    }

    private static async Task<int> FollowAsync(CliContext context, HttpClient client, CreateCommandsResponse batch, CancellationToken cancellationToken)
    {
        var width = batch.Commands.Max(c => c.Host.Length);
        var states = new Dictionary<string, CommandStateView>(StringComparer.Ordinal);
        // A stream that ends without "end" was dropped (the server drops readers that fall behind,
        // or the connection broke): reconnect with the last event's id, which resumes after it.
        string? lastEventId = null;
        var ended = false;
        for (var quiet = 0; !ended && quiet < 10; quiet++)
        {
            if (lastEventId is not null || quiet > 0)
            {
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(quiet, 5)), cancellationToken).ConfigureAwait(false);
            }

            using var request = new HttpRequestMessage(HttpMethod.Get, $"api/commands/stream?batch={Uri.EscapeDataString(batch.BatchId)}");
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
            if (lastEventId is not null)
            {
                request.Headers.Add("Last-Event-ID", lastEventId);
            }

            try
            {
                using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
                if (!await CheckAsync(context, response, cancellationToken).ConfigureAwait(false))
                {
                    return ExitCodes.Failed;
                }

                using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
                await foreach (var item in SseParser.Create(stream).EnumerateAsync(cancellationToken).ConfigureAwait(false))
                {
                    if (item.EventId is { Length: > 0 } id)
                    {
                        lastEventId = id;
                        quiet = -1;
                    }

                    if (item.EventType == "output")
                    {
                        var output = JsonSerializer.Deserialize(item.Data, ApiJsonContext.Default.OutputLineView)!;
                        var writer = output.Stream == "stderr" ? context.Error : context.Output;
                        await writer.WriteLineAsync($"{output.Host.PadRight(width)} | {output.Text}").ConfigureAwait(false);
                    }
                    else if (item.EventType == "state")
                    {
                        var state = JsonSerializer.Deserialize(item.Data, ApiJsonContext.Default.CommandStateView)!;
                        states[state.CommandId] = state;
                    }
                    else if (item.EventType == "end")
                    {
                        ended = true;
                        break;
                    }
                }
            }
            catch (Exception e) when (e is IOException or HttpRequestException && !cancellationToken.IsCancellationRequested)
            {
                // The connection broke: reconnect as for a dropped stream.
            }
        }

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

    private static async Task<bool> CheckAsync(CliContext context, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return true;
        }

        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            body = JsonSerializer.Deserialize(body, ApiJsonContext.Default.ErrorView)?.Error ?? body;
        }
        catch (JsonException)
        {
        }

        var message = response.StatusCode == System.Net.HttpStatusCode.Unauthorized
            ? "the server rejected the API token (401): check it, or create one with flotilla tokens create-api NAME"
            : $"{(int)response.StatusCode} {response.ReasonPhrase}: {body.Trim()}";
        await context.Error.WriteLineAsync($"flotilla remote: {message}").ConfigureAwait(false);
        return false;
    }
}
