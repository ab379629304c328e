using System.Security.Cryptography;
using System.Text;

namespace Flotilla.ControlPlane;

/// <summary>
/// Tokens for agents and API clients: 256 random bits, shown once; the store keeps only their
/// SHA-256 (enough for random secrets of this length: there is nothing to guess).
/// </summary>
public static class Tokens
{
    public const string HostPrefix = "flt_host_";
    public const string ApiPrefix = "flt_api_";

    public static string NewHostToken() => HostPrefix + Random();

    public static string NewApiToken() => ApiPrefix + Random();

    public static string Hash(string token) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <summary>Compares a presented secret with a configured one in constant time.</summary>
    public static bool SecretEquals(string presented, string expected) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(expected));

    private static string Random() =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
