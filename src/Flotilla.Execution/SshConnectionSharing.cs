using System.Globalization;
using Flotilla.Inventory;
using Flotilla.Processes;

namespace Flotilla.Execution;

/// <summary>
/// Connection sharing for the system's OpenSSH (<c>ControlMaster</c>/<c>ControlPersist</c>): the
/// first command to a host opens a master connection that later commands, <c>nix copy</c> and
/// later runs reuse while it lives, as Ansible does. A lost network still ends in ssh's exit 255:
/// the master gives up after <see cref="SshOptions.ServerAliveInterval"/> × 3 without an answer.
/// </summary>
public static class SshConnectionSharing
{
    /// <summary>The environment variable that sets <see cref="SshOptions.Persist"/>: seconds, or <c>no</c>/<c>0</c> for a connection per command.</summary>
    public const string PersistVariable = "FLOTILLA_SSH_PERSIST";

    // sun_path holds 108 bytes; ssh adds "/" + 40 hex digits of %C + ".XXXXXXXXXXXXXXXX" while it sets a master up.
    private const int MaximumDirectoryLength = 107 - 1 - 40 - 17;

    /// <summary>60 s unless <c>FLOTILLA_SSH_PERSIST</c> says otherwise.</summary>
    public static TimeSpan? DefaultPersist { get; } = ParsePersist(Environment.GetEnvironmentVariable(PersistVariable));

    /// <summary><c>$XDG_RUNTIME_DIR/flotilla/ssh</c>, else <c>~/.cache/flotilla/ssh</c>.</summary>
    public static string DefaultDirectory()
    {
        var runtime = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR");
        var root = !string.IsNullOrEmpty(runtime)
            ? runtime
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(root, "flotilla", "ssh");
    }

    /// <summary>Reads a persist setting: seconds (<c>60</c>), or <c>no</c>, <c>off</c>, <c>0</c> for none; unset or unreadable gives 60 s.</summary>
    public static TimeSpan? ParsePersist(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return TimeSpan.FromSeconds(60);
        }

        value = value.Trim();
        if (value is "no" or "off" or "false" or "0")
        {
            return null;
        }

        return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds > 0
            ? TimeSpan.FromSeconds(seconds)
            : TimeSpan.FromSeconds(60);
    }

    /// <summary>
    /// The <c>-o</c> options that share connections, or none when sharing is off or cannot work
    /// here (a directory that cannot be made private, a path too long for a socket or with
    /// whitespace, which <c>NIX_SSHOPTS</c> would split).
    /// </summary>
    internal static IReadOnlyList<string> Options(SshOptions options)
    {
        if (options.Persist is not { } persist)
        {
            return [];
        }

        var directory = options.ControlDirectory ?? DefaultDirectory();
        if (directory.Length > MaximumDirectoryLength || directory.Any(char.IsWhiteSpace) || !TryMakePrivate(directory))
        {
            return [];
        }

        var seconds = Math.Max(1, (int)Math.Ceiling(persist.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        return ["-o", "ControlMaster=auto", "-o", "ControlPath=" + Path.Combine(directory, "%C"), "-o", "ControlPersist=" + seconds];
    }

    /// <summary>
    /// Closes the shared connection to <paramref name="target"/>, if one is open (<c>ssh -O exit</c>):
    /// for a host that goes away, so that a new host at its address is not reached through it.
    /// </summary>
    public static async Task CloseAsync(Target target, SshOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        options ??= new SshOptions();
        var directory = options.ControlDirectory ?? DefaultDirectory();
        if (!Directory.Exists(directory))
        {
            return;
        }

        // The same options (ControlPath included) as the commands that opened the master, so ssh finds it.
        await ProcessRunner.RunAsync("ssh", ["-O", "exit", .. new SshTransport(options).SshArguments(target)], null, null, null, cancellationToken).ConfigureAwait(false);
    }

    private static bool TryMakePrivate(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            return false;
        }

        try
        {
            var info = Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            // A directory that others can write to would let them plant a socket we then talk to.
            const UnixFileMode others = UnixFileMode.GroupWrite | UnixFileMode.OtherWrite;
            return (info.UnixFileMode & others) == 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
