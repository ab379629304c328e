using System.Security.Cryptography;
using System.Text;

namespace Flotilla.Agent.Internal;

/// <summary>
/// The host token the server gave this agent when it enrolled with the shared enrolment token,
/// kept in <c>STATE/host-token</c> (0600, in a 0700 directory) with the SHA-256 of the token it
/// replaces. It is used instead of the token file's as long as that file still holds the token
/// it replaced, so the agent stops using the shared token, and a new token put in the token file
/// (<c>flotilla hosts add NAME --replace</c>) wins over it.
/// </summary>
internal static class EnrolledToken
{
    public const string FileName = "host-token";
    private const string Replaces = "replaces sha256:";

    /// <summary>The token to connect with: the stored one when it replaced <paramref name="fromFile"/>, else <paramref name="fromFile"/>.</summary>
    public static string Resolve(string? stateDirectory, string fromFile)
    {
        if (stateDirectory is null)
        {
            return fromFile;
        }

        try
        {
            var lines = File.ReadAllLines(Path.Combine(stateDirectory, FileName));
            return lines is [var token, var replaces, ..] && token.Length > 0 && replaces == Replaces + Hash(fromFile) ? token : fromFile;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return fromFile;
        }
    }

    /// <summary>Stores <paramref name="token"/> as the one that replaces <paramref name="replaced"/>; returns the file's path.</summary>
    public static string Save(string stateDirectory, string token, string replaced)
    {
        if (!Directory.Exists(stateDirectory))
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(stateDirectory);
            }
            else
            {
                Directory.CreateDirectory(stateDirectory, PrivateDirectory);
                File.SetUnixFileMode(stateDirectory, PrivateDirectory);
            }
        }

        var path = Path.Combine(stateDirectory, FileName);
        var temporary = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = PrivateFile;
        }

        using (var stream = new FileStream(temporary, options))
        {
            stream.Write(Encoding.UTF8.GetBytes(token + "\n" + Replaces + Hash(replaced) + "\n"));
            stream.Flush(flushToDisk: true);
        }

        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temporary, PrivateFile);
        }

        File.Move(temporary, path, overwrite: true);
        return path;
    }

    private const UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode PrivateDirectory = PrivateFile | UnixFileMode.UserExecute;

    private static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}
