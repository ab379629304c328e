using System.Security.Cryptography;

namespace Flotilla.Security;

/// <summary>A TOTP shared secret. Immutable; its text never appears in <see cref="ToString"/>.</summary>
public sealed class TotpSecret
{
    /// <summary>Secrets shorter than this (80 bits, 16 base32 characters) are refused; new ones have 160 bits (RFC 4226's recommendation).</summary>
    public const int MinimumBytes = 10;

    private readonly byte[] _key;

    private TotpSecret(byte[] key)
    {
        _key = key;
        Base32Text = Base32.Encode(key);
    }

    /// <summary>The secret as authenticator apps take it.</summary>
    public string Base32Text { get; }

    internal ReadOnlySpan<byte> Key => _key;

    /// <summary>A fresh 160-bit secret from the system's random source.</summary>
    public static TotpSecret Generate() => new(RandomNumberGenerator.GetBytes(20));

    public static TotpSecret FromBytes(ReadOnlySpan<byte> key) => new(key.ToArray());

    /// <summary>Reads a base32 secret; <paramref name="problem"/> says what is wrong and what to do.</summary>
    public static bool TryParse(string? text, out TotpSecret? secret, out string? problem)
    {
        secret = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            problem = "is empty; make a secret with `flotilla passwd --totp`";
            return false;
        }

        if (text.StartsWith("otpauth://", StringComparison.OrdinalIgnoreCase))
        {
            problem = "is an otpauth:// URI; set only the value of its secret= parameter";
            return false;
        }

        if (!Base32.TryDecode(text.Trim(), out var key))
        {
            problem = "is not base32 (letters A-Z and digits 2-7, as authenticator apps show it); make a secret with `flotilla passwd --totp`";
            return false;
        }

        if (key.Length < MinimumBytes)
        {
            problem = $"is too short ({key.Length * 8} bits; at least {MinimumBytes * 8}, 16 base32 characters, are needed); make a new one with `flotilla passwd --totp`";
            return false;
        }

        problem = null;
        secret = new TotpSecret(key);
        return true;
    }

    public override string ToString() => "TotpSecret(***)";
}
