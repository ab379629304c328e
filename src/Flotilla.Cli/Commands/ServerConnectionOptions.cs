using System.CommandLine;
using Flotilla.Execution;
using Flotilla.Execution.Operations;

namespace Flotilla.Cli.Commands;

/// <summary>
/// A control plane and an API token: <c>--url</c> (remote) or <c>--server</c> (runs) or
/// <c>FLOTILLA_URL</c>; the token from <c>--token</c>, <c>FLOTILLA_TOKEN</c> or
/// <c>--token-file</c> (the last two keep it out of argv).
/// </summary>
internal sealed class ServerConnectionOptions(string urlOption, string commandName, bool required)
{
    public Option<string?> Url { get; } = new(urlOption) { Description = $"The control plane, e.g. http://127.0.0.1:8000 (or {ControlPlaneClient.UrlVariable})", HelpName = "URL" };
    public Option<string?> Token { get; } = new("--token") { Description = $"An API token (visible in the process list: prefer {ControlPlaneClient.TokenVariable} or --token-file)", HelpName = "TOKEN" };
    public Option<string?> TokenFile { get; } = new("--token-file") { Description = "A file holding the API token", HelpName = "PATH" };

    public void AddTo(Command command)
    {
        command.Options.Add(Url);
        command.Options.Add(Token);
        command.Options.Add(TokenFile);
    }

    /// <summary>Whether a server was given (by option or environment): without one, an optional connection is not made.</summary>
    public bool IsGiven(ParseResult parse) =>
        parse.GetValue(Url) is not null || Environment.GetEnvironmentVariable(ControlPlaneClient.UrlVariable) is { Length: > 0 };

    /// <summary>The client, or null after writing what is wrong (no server when required, a bad URL, no token).</summary>
    public async Task<ControlPlaneClient?> ClientAsync(CliContext context, ParseResult parse, CancellationToken cancellationToken)
    {
        var url = parse.GetValue(Url) ?? Environment.GetEnvironmentVariable(ControlPlaneClient.UrlVariable);
        if (ControlPlaneClient.ParseServer(url) is not { } server)
        {
            await context.Error.WriteLineAsync(url is null && !required
                ? $"{commandName}: no server given"
                : $"{commandName}: give the server as {urlOption} http(s)://HOST[:PORT] (or {ControlPlaneClient.UrlVariable})").ConfigureAwait(false);
            return null;
        }

        var token = parse.GetValue(Token) ?? Environment.GetEnvironmentVariable(ControlPlaneClient.TokenVariable);
        if (token is null && parse.GetValue(TokenFile) is { } file)
        {
            try
            {
                token = (await File.ReadAllTextAsync(Path.GetFullPath(file, context.WorkingDirectory), cancellationToken).ConfigureAwait(false)).Trim();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                await context.Error.WriteLineAsync($"{commandName}: cannot read the token file {file}: {e.Message}").ConfigureAwait(false);
                return null;
            }
        }

        if (string.IsNullOrEmpty(token))
        {
            await context.Error.WriteLineAsync($"{commandName}: no API token for {server}: give --token, {ControlPlaneClient.TokenVariable} or --token-file (create one with flotilla tokens create-api NAME)").ConfigureAwait(false);
            return null;
        }

        return new ControlPlaneClient(server, token);
    }

    /// <summary>
    /// For a run: when a server is given, its client and agents (which are connected now);
    /// nothing when none is. <c>Failed</c> is the exit code after writing why the server could not be used.
    /// </summary>
    public async Task<(int? Failed, ControlPlaneClient? Client, AgentTransport? Agents)> AgentsAsync(CliContext context, ParseResult parse, CancellationToken cancellationToken)
    {
        if (!IsGiven(parse))
        {
            return (null, null, null);
        }

        if (await ClientAsync(context, parse, cancellationToken).ConfigureAwait(false) is not { } client)
        {
            return (ExitCodes.InvalidInput, null, null);
        }

        try
        {
            return (null, client, await AgentTransport.ConnectAsync(client, cancellationToken).ConfigureAwait(false));
        }
        catch (ControlPlaneException e)
        {
            client.Dispose();
            await context.Error.WriteLineAsync($"{commandName}: {client.Server}: {e.Message}").ConfigureAwait(false);
            return (ExitCodes.Failed, null, null);
        }
    }

    /// <summary>The <c>--server</c> of a run (deploy, rollback).</summary>
    public static ServerConnectionOptions ForRuns(string commandName)
    {
        var options = new ServerConnectionOptions("--server", commandName, required: false);
        options.Url.Description = $"A control plane whose agents reach the hosts SSH does not (or {ControlPlaneClient.UrlVariable}); its API token needs the exec scope";
        return options;
    }

    /// <summary>
    /// Where a run of the CLI runs: its state directory, and its leases in the directory's lease
    /// file and, with a server, in the server's store too (so runs started on other machines
    /// through the same server, and the runs it hosts, exclude this one).
    /// </summary>
    public static OperationEnvironment RunEnvironment(string stateDirectory, IOperationView view, ControlPlaneClient? server)
    {
        var local = OperationEnvironment.ForStateDirectory(stateDirectory, view);
        return server is null ? local : local with { Leases = new BothHostLeaseStores(local.Leases, new ServerHostLeaseStore(server)) };
    }

    /// <summary>
    /// Pushes a run's journal to the run's server, when it has one, so the run is on its dashboard
    /// and in <c>flotilla runs --server</c>; a push that fails is reported, and the run's outcome stands.
    /// </summary>
    public static async Task PushRunAsync(CliContext context, ControlPlaneClient? client, string stateDirectory, string runId, CancellationToken cancellationToken)
    {
        if (client is null)
        {
            return;
        }

        try
        {
            await client.PushRunAsync(stateDirectory, runId, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ControlPlaneException or RunJournalException or IOException)
        {
            await context.Error.WriteLineAsync($"run {runId} was not recorded on {client.Server}: {e.Message} (it is in {stateDirectory}; flotilla runs --state-dir {stateDirectory})").ConfigureAwait(false);
        }
    }
}
