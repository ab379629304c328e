using System.Security.Cryptography;
using System.Text;

namespace Flotilla.Security;

/// <summary>The secret session cookies are signed with. Keys for each purpose are derived from it with HKDF-SHA256. Immutable.</summary>
public sealed class SessionSecret
{
    /// <summary>At least this many characters: <c>openssl rand -hex 32</c> gives 64.</summary>
    public const int MinimumLength = 32;

    private readonly byte[] _material;

    private SessionSecret(byte[] material, bool generated)
    {
        _material = material;
        Generated = generated;
    }

    /// <summary>True when none was configured and this one was made at start: sessions then end when the process does.</summary>
    public bool Generated { get; }

    public static SessionSecret Generate() => new(RandomNumberGenerator.GetBytes(32), generated: true);

    public static bool TryParse(string? text, out SessionSecret? secret, out string? problem)
    {
        secret = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            problem = "is empty; make one with `openssl rand -hex 32`";
            return false;
        }

        if (text.Trim().Length < MinimumLength)
        {
            problem = $"is too short ({text.Trim().Length} characters, at least {MinimumLength}); make one with `openssl rand -hex 32`";
            return false;
        }

        problem = null;
        secret = new SessionSecret(Encoding.UTF8.GetBytes(text.Trim()), generated: false);
        return true;
    }

    /// <summary>A 256-bit key for one purpose (for example "session-cookie"); the same secret and purpose give the same key.</summary>
    public byte[] DeriveKey(string purpose) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, _material, 32, salt: Encoding.UTF8.GetBytes("flotilla"), info: Encoding.UTF8.GetBytes(purpose));

    public override string ToString() => "SessionSecret(***)";
}
