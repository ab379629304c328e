using System.Globalization;
using Flotilla.Inventory;
using Flotilla.Processes;

namespace Flotilla.Execution;

/// <summary>The outcome of a remote command: its exit code (255: ssh itself failed) and its output, stdout then stderr.</summary>
public sealed record RemoteResult(int ExitCode, string Output, string Error)
{
    public bool Succeeded => ExitCode == 0;

    /// <summary>The last lines of what the command printed, for a message.</summary>
    public string Tail(int lines = 10)
    {
        var all = (Output + Error).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return string.Join('\n', all.TakeLast(lines));
    }
}

/// <summary>
/// Runs commands on hosts with the system's OpenSSH (so ~/.ssh/config applies), in batch mode.
/// Every argument is quoted with <see cref="RemoteShell"/>; input (secrets) goes over ssh's stdin.
/// Thread safe.
/// </summary>
public sealed class SshTransport(SshOptions? options = null) : IHostTransport
{
    public SshOptions Options { get; } = options ?? new SshOptions();

    /// <summary>Runs <paramref name="argv"/> on the host, each word reaching the remote program unchanged.</summary>
    public Task<RemoteResult> RunAsync(Target target, IReadOnlyList<string> argv, string? standardInput = null, Action<string>? onLine = null, CancellationToken cancellationToken = default) =>
        RunCommandAsync(target, RemoteShell.Join(argv), standardInput, onLine, cancellationToken);

    /// <summary>
    /// Runs a command line the remote shell interprets. Build it with <see cref="RemoteShell"/>;
    /// use it as is only for inventory-given shell commands (command health checks).
    /// </summary>
    public async Task<RemoteResult> RunCommandAsync(Target target, string remoteCommand, string? standardInput = null, Action<string>? onLine = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        var result = await ProcessRunner.RunAsync("ssh", [.. SshArguments(target), "--", remoteCommand], null, standardInput, onLine, cancellationToken).ConfigureAwait(false);
        return new RemoteResult(result.ExitCode, result.StandardOutput, result.StandardError);
    }

    public Task<RemoteResult> RunCommandAsync(Host host, string remoteCommand, string? standardInput = null, Action<string>? onLine = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(host);
        return RunCommandAsync(host.Target, remoteCommand, standardInput, onLine, cancellationToken);
    }

    /// <summary>ssh's arguments up to and including the destination.</summary>
    internal IReadOnlyList<string> SshArguments(Target target) => [.. ConnectionOptions(target.Port), Destination(target)];

    /// <summary>The options without the destination, also for NIX_SSHOPTS.</summary>
    internal IReadOnlyList<string> ConnectionOptions(int port)
    {
        var arguments = new List<string>();
        if (Options.ConfigFile is { } config)
        {
            arguments.AddRange(["-F", config]);
        }

        arguments.AddRange(["-o", "BatchMode=yes",
            "-o", "ConnectTimeout=" + Seconds(Options.ConnectTimeout),
            "-o", "ServerAliveInterval=" + Seconds(Options.ServerAliveInterval),
            "-o", "ServerAliveCountMax=3"]);
        arguments.AddRange(SshConnectionSharing.Options(Options));
        foreach (var option in Options.ExtraOptions)
        {
            arguments.AddRange(["-o", option]);
        }

        if (port != 22)
        {
            arguments.AddRange(["-p", port.ToString(CultureInfo.InvariantCulture)]);
        }

        return arguments;
    }

    internal static string Destination(Target target)
    {
        // A destination starting with '-' would be read as an option by ssh.
        if (target.Address.StartsWith('-') || target.User.StartsWith('-') || target.Address.Any(char.IsWhiteSpace))
        {
            throw new ArgumentException($"'{target}' is not a valid ssh destination", nameof(target));
        }

        return $"{target.User}@{target.Address}";
    }

    private static string Seconds(TimeSpan time) => Math.Max(1, (int)Math.Ceiling(time.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
}
