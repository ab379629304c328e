using System.Security.Cryptography;

namespace Flotilla.Contracts;

/// <summary>How <see cref="HostFacts.LockHash"/> is made, by agents for their repository and by the server for the fleet's.</summary>
public static class FlakeLock
{
    /// <summary>The SHA-256 (lower-case hex) of a flake.lock's bytes; null when there is none or it cannot be read.</summary>
    public static async Task<string?> HashAsync(string path, CancellationToken cancellationToken = default)
    {
        try
        {
            var stream = File.OpenRead(path);
            await using (stream.ConfigureAwait(false))
            {
                return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
