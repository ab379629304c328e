using System.Globalization;
using Flotilla.Inventory;

namespace Flotilla.Execution.Internal;

/// <summary>What the watchdog says an activation, a confirmation or a rollback request ended in (its <c>outcome</c> file, or what ssh said).</summary>
internal enum ActivationState
{
    Confirmed,
    RolledBack,
    RollbackFailed,
    Failed,
    /// <summary>Activated, waiting for confirmation.</summary>
    Pending,
    /// <summary>The watchdog died.</summary>
    Died,
    /// <summary>The watchdog wrote an outcome this version does not know.</summary>
    Unknown,
    /// <summary>The script could not start the watchdog.</summary>
    NotStarted,
    /// <summary>No answer from the host (ssh failed).</summary>
    Lost,
    /// <summary>Another activation replaced this one before it was confirmed: the watchdog left the host as it was.</summary>
    Superseded,
}

/// <summary>The watchdog's names of <see cref="ActivationState"/>, as its scripts write them.</summary>
internal static class ActivationStates
{
    private static readonly (ActivationState State, string Name)[] Names =
    [
        (ActivationState.Confirmed, "confirmed"),
        (ActivationState.RolledBack, "rolled-back"),
        (ActivationState.RollbackFailed, "rollback-failed"),
        (ActivationState.Failed, "failed"),
        (ActivationState.Pending, "pending"),
        (ActivationState.Died, "died"),
        (ActivationState.Unknown, "unknown"),
        (ActivationState.NotStarted, "not-started"),
        (ActivationState.Lost, "lost"),
        (ActivationState.Superseded, "superseded"),
    ];

    public static string Name(ActivationState state) => Names.First(n => n.State == state).Name;

    /// <summary>The state the watchdog's word names; <see cref="ActivationState.Unknown"/> for any other word.</summary>
    public static ActivationState Parse(string name) => Names.FirstOrDefault(n => n.Name == name) is { Name: not null } found ? found.State : ActivationState.Unknown;
}

/// <summary>What an activation, a confirmation or a rollback request ended in.</summary>
/// <param name="Status">The activation's exit code (switch-to-configuration's, activate's), or null when unknown.</param>
/// <param name="State">What the watchdog (or ssh) said it ended in.</param>
internal sealed record ActivationOutcome(int? Status, ActivationState State, IReadOnlyList<string> Log, string Directory)
{
    /// <summary>The watchdog's word for <see cref="State"/> (confirmed, rolled-back, ...), as messages for people say it.</summary>
    public string Outcome => ActivationStates.Name(State);

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
            return new ActivationOutcome(null, result.ExitCode == 255 ? ActivationState.Lost : ActivationState.NotStarted, lines, directory);
        }

        lines.RemoveAt(lines.Count - 1);
        var parts = last[Marker.Length..].Split(' ', 2);
        int? status = int.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var code) ? code : null;
        return new ActivationOutcome(status, parts.Length > 1 ? ActivationStates.Parse(parts[1].Trim()) : ActivationState.Unknown, lines, directory);
    }
}
