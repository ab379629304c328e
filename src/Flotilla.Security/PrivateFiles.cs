namespace Flotilla.Security;

/// <summary>
/// Files the server keeps at rest are its own, whatever the umask it was started with: directories
/// it creates are 0700; the database (with its WAL and SHM) and keys are 0600.
/// </summary>
public static class PrivateFiles
{
    public const UnixFileMode PrivateFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    public const UnixFileMode PrivateDirectoryMode = PrivateFileMode | UnixFileMode.UserExecute;

    /// <summary>Creates the directory (and missing parents) 0700; an existing directory is left as it is.</summary>
    public static void CreateDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
            return;
        }

        // Each missing level is created 0700 (the mode is applied after the umask by chmod, not only asked of mkdir).
        var missing = new Stack<string>();
        for (var level = path; !string.IsNullOrEmpty(level) && !Directory.Exists(level); level = Path.GetDirectoryName(level))
        {
            missing.Push(level);
        }

        foreach (var level in missing)
        {
            Directory.CreateDirectory(level, PrivateDirectoryMode);
            File.SetUnixFileMode(level, PrivateDirectoryMode);
        }
    }

    /// <summary>Writes a file 0600 whatever the umask: to a temporary file in the same directory, then renamed over the old one.</summary>
    public static void Write(string path, ReadOnlySpan<byte> content)
    {
        var temporary = path + ".tmp-" + Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = PrivateFileMode;
        }

        using (var stream = new FileStream(temporary, options))
        {
            stream.Write(content);
            stream.Flush(flushToDisk: true);
        }

        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temporary, PrivateFileMode);
        }

        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>
    /// Makes the SQLite database 0600 before SQLite opens it: it is created so when missing, and an
    /// existing one (and its -wal and -shm, which SQLite creates with the database's mode) is chmodded.
    /// </summary>
    public static void PrepareDatabase(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        using (new FileStream(path, new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, UnixCreateMode = PrivateFileMode }))
        {
        }

        foreach (var file in (string[])[path, path + "-wal", path + "-shm", path + "-journal"])
        {
            if (File.Exists(file))
            {
                File.SetUnixFileMode(file, PrivateFileMode);
            }
        }
    }
}
