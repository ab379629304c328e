using System.CommandLine;
using Flotilla.Agent;
using Flotilla.Protocol;
using Microsoft.Extensions.Logging;

namespace Flotilla.Cli.Commands;

/// <summary><c>flotilla agent</c>: the host daemon. The token comes from a file, never from argv.</summary>
internal static class AgentCommand
{
    /// <summary>Exit code after the restart-agent op: the service manager starts the agent again.</summary>
    public const int RestartExitCode = 75;

    public static Command Create(CliContext context)
    {
        var url = new Option<string>("--url") { Description = "The server's agent endpoint: ws(s)://HOST[:PORT]/ws", Required = true, HelpName = "URL" };
        var tokenFile = new Option<string>("--token-file") { Description = "A file holding this host's token (from flotilla hosts add)", Required = true, HelpName = "PATH" };
        var interval = new Option<double>("--interval") { Description = "Seconds between heartbeats", DefaultValueFactory = _ => 5, HelpName = "SECONDS" };
        var repo = new Option<string?>("--repo") { Description = "The flake repository used by pull, switch and test, and whose revision is reported", HelpName = "PATH" };
        var tags = new Option<string[]>("--tag") { Description = "A tag the dashboard shows and filters on for this host (repeatable; the inventory's tags are shown too)", HelpName = "TAG", AllowMultipleArgumentsPerToken = false };
        var state = new Option<string?>("--state-dir")
        {
            Description = "Where the agent keeps the host token the server gives it when it enrols with a shared enrolment token (default: $STATE_DIRECTORY, else ~/.local/state/flotilla/agent)",
            HelpName = "DIR",
        };
        var command = new Command("agent", "Run the agent: connect to the control plane, heartbeat, and run its commands") { url, tokenFile, interval, repo, tags, state };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (!Uri.TryCreate(parse.GetValue(url), UriKind.Absolute, out var uri) || uri.Scheme is not ("ws" or "wss"))
            {
                await context.Error.WriteLineAsync($"flotilla agent: --url {parse.GetValue(url)}: expected ws://HOST[:PORT]/ws or wss://...").ConfigureAwait(false);
                return ExitCodes.InvalidInput;
            }

            var path = Path.GetFullPath(parse.GetValue(tokenFile)!, context.WorkingDirectory);
            string token;
            try
            {
                token = (await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false)).Trim();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                await context.Error.WriteLineAsync($"flotilla agent: cannot read the token file {path}: {e.Message}").ConfigureAwait(false);
                return ExitCodes.InvalidInput;
            }

            if (token.Length == 0)
            {
                await context.Error.WriteLineAsync($"flotilla agent: the token file {path} is empty; put the token from flotilla hosts add in it").ConfigureAwait(false);
                return ExitCodes.InvalidInput;
            }

            var seconds = parse.GetValue(interval);
            if (Limits.HeartbeatIntervalSeconds.Check(seconds, "--interval") is { } outOfRange)
            {
                await context.Error.WriteLineAsync($"flotilla agent: {outOfRange}").ConfigureAwait(false);
                return ExitCodes.InvalidInput;
            }

            var tagList = parse.GetValue(tags) ?? [];
            if (tagList.FirstOrDefault(t => !ValidTag(t)) is { } bad)
            {
                await context.Error.WriteLineAsync($"flotilla agent: --tag {bad}: a tag is 1-64 letters, digits, '-', '_' or '.'").ConfigureAwait(false);
                return ExitCodes.InvalidInput;
            }

            using var logging = LoggerFactory.Create(b => b.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss ";
            }));
            var options = new AgentOptions
            {
                Url = uri,
                Token = token,
                HeartbeatInterval = TimeSpan.FromSeconds(seconds),
                Repository = parse.GetValue(repo) is { } r ? Path.GetFullPath(r, context.WorkingDirectory) : null,
                Tags = [.. tagList.Distinct(StringComparer.Ordinal)],
                StateDirectory = Path.GetFullPath(parse.GetValue(state) ?? DefaultStateDirectory(), context.WorkingDirectory),
            };
            var exit = await new FlotillaAgent(options, logging.CreateLogger<FlotillaAgent>()).RunAsync(cancellationToken).ConfigureAwait(false);
            return exit == AgentExit.RestartRequested ? RestartExitCode : ExitCodes.Success;
        });
        return command;
    }

    /// <summary>systemd's StateDirectory= (the first, when several), else $XDG_STATE_HOME/flotilla/agent, else ~/.local/state/flotilla/agent.</summary>
    private static string DefaultStateDirectory()
    {
        if (Environment.GetEnvironmentVariable("STATE_DIRECTORY") is { Length: > 0 } systemd)
        {
            return systemd.Split(':')[0];
        }

        var state = Environment.GetEnvironmentVariable("XDG_STATE_HOME");
        if (string.IsNullOrEmpty(state))
        {
            state = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state");
        }

        return Path.Combine(state, "flotilla", "agent");
    }

    private static bool ValidTag(string tag) =>
        tag.Length is > 0 and <= 64 && tag.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');
}
