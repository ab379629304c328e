namespace Flotilla.Lab.Internal;

/// <summary>
/// Makes the user's own OpenSSH reach lab hosts (<c>ssh root@10.77.1.4</c>, and so every tool
/// that runs ssh) by one <c>Include STATEROOT/*/ssh_config</c> line at the top of
/// <c>~/.ssh/config</c>, added by <c>up</c> and removed by <c>down</c> when no lab is left under
/// that state root. Callers hold the lab lock, so processes do not edit the file at once.
/// </summary>
internal static class UserSshConfig
{
    private const string Marker = "# Flotilla lab hosts (removed by `flotilla lab down` when no lab is left):";

    public static string DefaultPath =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".ssh", "config");

    public static string IncludeLine(string stateRoot) => $"Include \"{Path.Combine(stateRoot, "*", "ssh_config")}\"";

    public static async Task EnsureIncludedAsync(string configPath, string stateRoot, CancellationToken cancellationToken)
    {
        var include = IncludeLine(stateRoot);
        var lines = File.Exists(configPath) ? await File.ReadAllLinesAsync(configPath, cancellationToken).ConfigureAwait(false) : [];
        if (lines.Contains(include))
        {
            return;
        }

        // Include must come before any Host block to apply to every host.
        await WriteAsync(configPath, [Marker, include, "", .. lines], cancellationToken).ConfigureAwait(false);
    }

    public static async Task RemoveIfUnusedAsync(string configPath, string stateRoot, CancellationToken cancellationToken)
    {
        if (!File.Exists(configPath) || LabsUnder(stateRoot))
        {
            return;
        }

        var include = IncludeLine(stateRoot);
        var lines = (await File.ReadAllLinesAsync(configPath, cancellationToken).ConfigureAwait(false)).ToList();
        var at = lines.IndexOf(include);
        if (at < 0)
        {
            return;
        }

        var from = at > 0 && lines[at - 1] == Marker ? at - 1 : at;
        var to = at + 1 < lines.Count && lines[at + 1].Length == 0 ? at + 1 : at;
        lines.RemoveRange(from, to - from + 1);
        if (lines.All(string.IsNullOrWhiteSpace))
        {
            File.Delete(configPath);
            return;
        }

        await WriteAsync(configPath, lines, cancellationToken).ConfigureAwait(false);
    }

    private static bool LabsUnder(string stateRoot) =>
        Directory.Exists(stateRoot) && Directory.EnumerateDirectories(stateRoot).Any(d => File.Exists(LabPaths.StateFile(d)));

    private static async Task WriteAsync(string configPath, IEnumerable<string> lines, CancellationToken cancellationToken)
    {
        var directory = Path.GetDirectoryName(configPath)!;
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("the lab runs on Linux");
        }

        if (!Directory.Exists(directory))
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var temporary = configPath + ".flotilla-tmp";
        await File.WriteAllTextAsync(temporary, string.Join('\n', lines) + "\n", cancellationToken).ConfigureAwait(false);
        File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.Move(temporary, configPath, overwrite: true);
    }
}
