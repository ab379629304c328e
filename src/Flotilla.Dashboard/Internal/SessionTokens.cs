using System.Security.Cryptography;
using System.Text;
using Flotilla.Security;
using Microsoft.AspNetCore.WebUtilities;

namespace Flotilla.Dashboard.Internal;

/// <summary>
/// Session cookies: a random 256-bit token and its HMAC-SHA256 under a key derived from the session
/// secret (<c>TOKEN.MAC</c>). The store knows a session by the SHA-256 of its token only.
/// </summary>
internal sealed class SessionTokens(SessionSecret secret)
{
    private readonly byte[] _key = secret.DeriveKey("flotilla-session-cookie-v1");

    public static string NewToken() => WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(32));

    public static string IdOf(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(token)));

    public string Protect(string token) => token + "." + Mac(token);

    public bool TryUnprotect(string? cookie, out string token)
    {
        token = "";
        var dot = cookie?.IndexOf('.', StringComparison.Ordinal) ?? -1;
        if (cookie is null || dot <= 0 || cookie.Length > 200)
        {
            return false;
        }

        var candidate = cookie[..dot];
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Mac(candidate)), Encoding.ASCII.GetBytes(cookie[(dot + 1)..])))
        {
            return false;
        }

        token = candidate;
        return true;
    }

    private string Mac(string token) => WebEncoders.Base64UrlEncode(HMACSHA256.HashData(_key, Encoding.ASCII.GetBytes(token)));
}
