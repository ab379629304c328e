using System.CommandLine;
using Flotilla.Agent;
using Flotilla.Contracts;
using Microsoft.Extensions.Logging;

namespace Flotilla.Cli.Commands;

/// <summary><c>flotilla agent</c>: the host daemon. The token comes from a file, never from argv.</summary>
internal static class AgentCommand
{
    /// <summary>Exit code after the restart-agent op: the service manager starts the agent again.</summary>
    public const int RestartExitCode = 75;

    public static Command Create(CliContext context)
    {
        var url = new Option<string>("--url") { Description = "The server's agent endpoint: ws(s)://HOST[:PORT]/ws (http(s):// and a URL without a path work too: /ws is added)", Required = true, HelpName = "URL" };
        var tokenFile = new Option<string>("--token-file") { Description = "A file holding this host's token (from flotilla hosts add)", Required = true, HelpName = "PATH" };
        var interval = new Option<double>("--interval") { Description = "Seconds between heartbeats", DefaultValueFactory = _ => 5, HelpName = "SECONDS" };
        var repo = new Option<string?>("--repo") { Description = "The flake repository used by pull, switch and test, and whose revision is reported; with --repo-url, where the agent keeps its clone", HelpName = "PATH" };
        var repoUrl = new Option<string?>("--repo-url") { Description = "A git URL the agent clones and keeps for itself (in --repo, else $STATE_DIRECTORY/repo or ~/.local/state/flotilla-agent/repo); pull follows --branch", HelpName = "URL" };
        var systemProfile = new Option<string?>("--system-profile") { Description = "The profile whose generation is this host's current system when it is not NixOS's /run/current-system (a home-manager profile; found by itself when the agent runs as the user)", HelpName = "PATH" };
        var branch = new Option<string>("--branch") { Description = "The branch of --repo-url the agent's clone follows", DefaultValueFactory = _ => "main", HelpName = "BRANCH" };
        var hostname = new Option<string?>("--hostname") { Description = "The host name the agent reports and switches to (REPO#NAME), instead of this machine's name without its domain", HelpName = "NAME" };
        var logLevel = new Option<string>("--log-level") { Description = "What the agent logs: debug, info, warn or error", DefaultValueFactory = _ => "info", HelpName = "LEVEL" };
        logLevel.AcceptOnlyFromAmong("debug", "info", "warn", "error");
        var tags = new Option<string[]>("--tag") { Description = "A tag the dashboard shows and filters on for this host (repeatable; the inventory's tags are shown too)", HelpName = "TAG", AllowMultipleArgumentsPerToken = false };
        var state = new Option<string?>("--state-dir")
        {
            Description = "Where the agent keeps the host token the server gives it when it enrols with a shared enrolment token (default: $STATE_DIRECTORY, else ~/.local/state/flotilla/agent)",
            HelpName = "DIR",
        };
        var storage = new Option<string[]>("--storage") { Description = "A file system to watch, with its alert thresholds in percent (repeatable; default: every real mount at 80,90)", HelpName = "PATH[=WARN,CRIT]", AllowMultipleArgumentsPerToken = false };
        var backupResults = new Option<string>("--backup-results")
        {
            Description = "Where the host's backup timers write their results (SERVICE.json), reported with each heartbeat",
            DefaultValueFactory = _ => AgentOptions.DefaultBackupResults,
            HelpName = "DIR",
        };
        var command = new Command("agent", "Run the agent: connect to the control plane, heartbeat, and run its commands") { url, tokenFile, interval, repo, repoUrl, branch, hostname, logLevel, tags, state, systemProfile, storage, backupResults };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (AgentEndpoint.Resolve(parse.GetValue(url)) is not { } uri)
            {
                await context.Error.WriteLineAsync($"flotilla agent: --url {parse.GetValue(url)}: expected ws://HOST[:PORT]/ws or wss://... (http:// and https:// are taken as ws:// and wss://)").ConfigureAwait(false);
                return ExitCodes.InvalidInput;
            }

            var path = Path.GetFullPath(parse.GetValue(tokenFile)!, context.WorkingDirectory);
            string token;
            try
            {
                token = TokenFileText(await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false));
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

            if (Contracts.StorageThreshold.TryParseAll(parse.GetValue(storage) ?? [], out var why) is not { } watched)
            {
                await context.Error.WriteLineAsync($"flotilla agent: --storage {why}").ConfigureAwait(false);
                return ExitCodes.InvalidInput;
            }

            var name = parse.GetValue(hostname);
            if (name is not null && !Contracts.HostNames.IsValid(name))
            {
                await context.Error.WriteLineAsync($"flotilla agent: --hostname {name}: a host name is {Contracts.HostNames.Rule}").ConfigureAwait(false);
                return ExitCodes.InvalidInput;
            }

            if (name is null && !Contracts.HostNames.IsValid(AgentOptions.MachineHostname))
            {
                await context.Error.WriteLineAsync($"flotilla agent: this machine's name \"{AgentOptions.MachineHostname}\" is not a valid host name ({Contracts.HostNames.Rule}): give the agent one with --hostname NAME").ConfigureAwait(false);
                return ExitCodes.InvalidInput;
            }

            var cloneUrl = parse.GetValue(repoUrl) is { Length: > 0 } u ? u : null;
            var repository = parse.GetValue(repo) is { } r ? Path.GetFullPath(r, context.WorkingDirectory) : cloneUrl is null ? null : DefaultCloneDirectory();
            var level = parse.GetValue(logLevel) switch
            {
                "debug" => LogLevel.Debug,
                "warn" => LogLevel.Warning,
                "error" => LogLevel.Error,
                _ => LogLevel.Information,
            };
            using var logging = LoggerFactory.Create(b => b.SetMinimumLevel(level).AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss ";
            }));
            var options = new AgentOptions
            {
                Url = uri,
                Token = token,
                HeartbeatInterval = TimeSpan.FromSeconds(seconds),
                Repository = repository,
                RepositoryUrl = cloneUrl,
                Branch = parse.GetValue(branch) ?? "main",
                Hostname = name,
                SystemProfile = parse.GetValue(systemProfile),
                Tags = [.. tagList.Distinct(StringComparer.Ordinal)],
                Storage = watched,
                BackupResults = Path.GetFullPath(parse.GetValue(backupResults) ?? AgentOptions.DefaultBackupResults, context.WorkingDirectory),
                StateDirectory = Path.GetFullPath(parse.GetValue(state) ?? DefaultStateDirectory(), context.WorkingDirectory),
            };
            var exit = await new FlotillaAgent(options, logging.CreateLogger<FlotillaAgent>()).RunAsync(cancellationToken).ConfigureAwait(false);
            return exit == AgentExit.RestartRequested ? RestartExitCode : ExitCodes.Success;
        });
        return command;
    }

    /// <summary>
    /// The token in a token file: the text, trimmed; a <c>NAME=</c> prefix of an environment file
    /// (NixFleet's token files may hold <c>NIXFLEET_TOKEN=...</c>) is dropped.
    /// </summary>
    internal static string TokenFileText(string text)
    {
        var token = text.Trim();
        foreach (var prefix in (string[])["NIXFLEET_TOKEN=", "FLOTILLA_TOKEN="])
        {
            if (token.StartsWith(prefix, StringComparison.Ordinal))
            {
                return token[prefix.Length..].Trim().Trim('"');
            }
        }

        return token;
    }

    /// <summary>Where the agent keeps its clone of --repo-url when --repo names no place: the service's state directory (systemd's StateDirectory), else ~/.local/state.</summary>
    private static string DefaultCloneDirectory() =>
        Environment.GetEnvironmentVariable("STATE_DIRECTORY") is { Length: > 0 } state
            ? Path.Combine(state.Split(':')[0], "repo")
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state", "flotilla-agent", "repo");

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
