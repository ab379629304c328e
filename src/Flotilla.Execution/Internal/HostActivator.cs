using System.Globalization;
using Flotilla.Inventory;

namespace Flotilla.Execution.Internal;

/// <summary>What an activation, a confirmation or a rollback request ended in.</summary>
/// <param name="Status">The activation's exit code (switch-to-configuration's, activate's), or null when unknown.</param>
/// <param name="Outcome">confirmed, rolled-back, rollback-failed, failed, pending (waiting for confirmation), died, unknown, not-started, lost (no answer from the host), or superseded (another activation replaced this one before it was confirmed: the watchdog left the host as it was).</param>
internal sealed record ActivationOutcome(int? Status, string Outcome, IReadOnlyList<string> Log, string Directory)
{
    public const string Superseded = "superseded";

    public string Tail(int lines = 10) => string.Join('\n', Log.TakeLast(lines));

    /// <summary>The watchdog's line that says what the host runs now instead, when it was superseded.</summary>
    public string? SupersededBy => Log.LastOrDefault(l => l.StartsWith("flotilla: superseded: ", StringComparison.Ordinal))?["flotilla: superseded: ".Length..];
}

/// <summary>Starts activations under the target's watchdog and talks to the watchdog. Thread safe.</summary>
internal sealed class HostActivator(IHostTransport ssh)
{
    private const string Marker = "flotilla-activation ";

    /// <summary>Activates <paramref name="host"/> the way its platform is activated (see <see cref="ActivationScripts.Watchdog"/>), as the host's login user.</summary>
    /// <param name="system">The closure to set (mode set), or null to go back one generation (mode rollback).</param>
    /// <param name="onLine">Receives the activation's log lines as they are written.</param>
    public async Task<ActivationOutcome> ActivateAsync(Host host, string? system, string goal, TimeSpan confirmTimeout, Action<string> onLine, CancellationToken cancellationToken)
    {
        var directory = PlatformActivation.NewDirectory(host.Platform);
        var seconds = Math.Max(1, (int)Math.Ceiling(confirmTimeout.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        var command = RemoteShell.Script(
            ActivationScripts.Launch,
            directory, ActivationScripts.Watchdog, system ?? "", goal, seconds, system is null ? "rollback" : "set", PlatformActivation.Name(host.Platform));
        void Forward(string line)
        {
            if (line.Length > 0 && !line.StartsWith(Marker, StringComparison.Ordinal))
            {
                onLine(line);
            }
        }

        var result = await ssh.RunCommandAsync(host, command, null, Forward, cancellationToken).ConfigureAwait(false);
        return Parse(result, directory);
    }

    /// <summary>The system (or home-manager generation) the host runs now; null when it runs none; the ssh result when it cannot be read.</summary>
    public async Task<(string? Current, RemoteResult Result)> CurrentAsync(Host host, CancellationToken cancellationToken)
    {
        var result = await ssh.RunCommandAsync(host, RemoteShell.Script(ActivationScripts.Current, PlatformActivation.Name(host.Platform)), null, null, cancellationToken).ConfigureAwait(false);
        return (result.Succeeded && result.Output.Trim() is { Length: > 0 } current ? current : null, result);
    }

    public Task<ActivationOutcome> ConfirmAsync(Host host, string directory, CancellationToken cancellationToken) =>
        SignalAsync(host, directory, "confirm", TimeSpan.FromMinutes(5), cancellationToken);

    /// <summary>Asks the watchdog to roll back now and waits until it has.</summary>
    public Task<ActivationOutcome> RollBackAsync(Host host, string directory, CancellationToken cancellationToken) =>
        SignalAsync(host, directory, "rollback", TimeSpan.FromMinutes(5), cancellationToken);

    private async Task<ActivationOutcome> SignalAsync(Host host, string directory, string marker, TimeSpan wait, CancellationToken cancellationToken)
    {
        var seconds = ((int)wait.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        var result = await ssh.RunCommandAsync(host, RemoteShell.Script(ActivationScripts.Signal, directory, marker, seconds), null, null, cancellationToken).ConfigureAwait(false);
        return Parse(result, directory);
    }

    private static ActivationOutcome Parse(RemoteResult result, string directory)
    {
        var lines = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
        var last = lines.Count > 0 ? lines[^1] : "";
        if (result.ExitCode != 0 || !last.StartsWith(Marker, StringComparison.Ordinal))
        {
            lines.AddRange(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            // ssh's own failures exit 255; anything else means the script could not start the watchdog.
            return new ActivationOutcome(null, result.ExitCode == 255 ? "lost" : "not-started", lines, directory);
        }

        lines.RemoveAt(lines.Count - 1);
        var parts = last[Marker.Length..].Split(' ', 2);
        int? status = int.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var code) ? code : null;
        return new ActivationOutcome(status, parts.Length > 1 ? parts[1].Trim() : "unknown", lines, directory);
    }
}
