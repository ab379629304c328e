using System.Text;
using Flotilla.Security.Internal;

namespace Flotilla.Security;

/// <summary>
/// A password hash in crypt(3) form (bcrypt <c>$2b$</c>/<c>$2y$</c>/<c>$2a$</c>, yescrypt <c>$y$</c>,
/// sha512-crypt <c>$6$</c>), checked and made by the system's libxcrypt. Immutable and thread safe.
/// </summary>
public sealed class PasswordHash
{
    /// <summary>bcrypt's cost when none is given: NixFleet's hashes use 12 too.</summary>
    public const int DefaultBcryptCost = 12;

    /// <summary>bcrypt looks at no more than this many bytes of a password.</summary>
    public const int BcryptMaxPasswordBytes = 72;

    private PasswordHash(string value, PasswordHashAlgorithm algorithm)
    {
        Value = value;
        Algorithm = algorithm;
    }

    /// <summary>The hash as crypt(3) writes it.</summary>
    public string Value { get; }

    public PasswordHashAlgorithm Algorithm { get; }

    /// <summary>Reads a hash; <paramref name="problem"/> says what is wrong with it and what to do when it is not one Flotilla accepts.</summary>
    public static bool TryParse(string? value, out PasswordHash? hash, out string? problem)
    {
        hash = null;
        problem = Problem(value, out var algorithm);
        if (problem is null)
        {
            hash = new PasswordHash(value!, algorithm);
        }

        return problem is null;
    }

    /// <summary>Makes a hash of <paramref name="password"/> with a fresh salt from the kernel's random source.</summary>
    /// <param name="cost">bcrypt: log2 of the rounds (4-31, default 12); yescrypt: 1-11 (default 5); sha512-crypt: rounds (default 5000). 0 or null: the default.</param>
    public static PasswordHash Create(ReadOnlySpan<char> password, PasswordHashAlgorithm algorithm = PasswordHashAlgorithm.Bcrypt, int? cost = null)
    {
        if (algorithm == PasswordHashAlgorithm.Bcrypt && Encoding.UTF8.GetByteCount(password) > BcryptMaxPasswordBytes)
        {
            throw new ArgumentException($"bcrypt uses only the first {BcryptMaxPasswordBytes} bytes of a password; choose a shorter one or use yescrypt", nameof(password));
        }

        var (prefix, defaultCost) = algorithm switch
        {
            PasswordHashAlgorithm.Bcrypt => ("$2b$", DefaultBcryptCost),
            PasswordHashAlgorithm.Yescrypt => ("$y$", 0),
            PasswordHashAlgorithm.Sha512Crypt => ("$6$", 0),
            _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, null),
        };
        var setting = Crypt.NewSetting(prefix, (ulong)(cost is null or 0 ? defaultCost : cost.Value));
        var value = Crypt.Hash(password, setting) ?? throw new InvalidOperationException($"libxcrypt refused its own setting {setting}");
        return new PasswordHash(value, algorithm);
    }

    /// <summary>Whether <paramref name="password"/> matches, compared in constant time.</summary>
    public bool Verify(ReadOnlySpan<char> password)
    {
        var computed = Crypt.Hash(password, Value);
        return computed is not null && Crypt.FixedTimeEquals(computed, Value);
    }

    public override string ToString() => Value;

    private static string? Problem(string? value, out PasswordHashAlgorithm algorithm)
    {
        algorithm = default;
        if (string.IsNullOrWhiteSpace(value))
        {
            return "is empty; make a hash with `flotilla passwd`";
        }

        if (value.Contains("$$", StringComparison.Ordinal))
        {
            return "contains \"$$\": it looks escaped for docker compose; in an env file or a *_FILE file write each $ once";
        }

        if (value.Trim() != value)
        {
            return "has spaces or a line break around it; remove them";
        }

        if (value.StartsWith("$1$", StringComparison.Ordinal) || !value.StartsWith('$'))
        {
            return value.StartsWith("$1$", StringComparison.Ordinal) || value.Length == 13
                ? "is an md5-crypt or DES hash, too weak to accept; make a new one with `flotilla passwd`"
                : "is not a crypt(3) hash (one starts with $2b$, $2y$, $y$ or $6$: make one with `flotilla passwd`, `mkpasswd` or `htpasswd -nB`); if it was set in a shell or compose file, its $ signs may have been expanded: quote it or put it in a file";
        }

        PasswordHashAlgorithm? known = value switch
        {
            _ when value.StartsWith("$2b$", StringComparison.Ordinal) || value.StartsWith("$2y$", StringComparison.Ordinal) || value.StartsWith("$2a$", StringComparison.Ordinal) => PasswordHashAlgorithm.Bcrypt,
            _ when value.StartsWith("$y$", StringComparison.Ordinal) => PasswordHashAlgorithm.Yescrypt,
            _ when value.StartsWith("$6$", StringComparison.Ordinal) => PasswordHashAlgorithm.Sha512Crypt,
            _ => null,
        };
        if (known is null)
        {
            var scheme = value.IndexOf('$', 1) is > 0 and var end ? value[..(end + 1)] : value;
            return $"uses the scheme \"{scheme}\", which Flotilla does not accept (bcrypt $2b$/$2y$, yescrypt $y$ or sha512-crypt $6$ only); make one with `flotilla passwd`";
        }

        // libxcrypt recomputes a hash of the same shape from a whole hash used as the setting; a
        // truncated or mangled one comes back refused, shorter or with a different setting.
        var check = Crypt.Hash("", value);
        var settingEnd = value.LastIndexOf('$');
        if (check is null || check.Length != value.Length || !check.AsSpan(0, settingEnd).SequenceEqual(value.AsSpan(0, settingEnd)))
        {
            return "is malformed (libxcrypt does not accept it: truncated or mistyped?); copy it again or make a new one with `flotilla passwd`";
        }

        algorithm = known.Value;
        return null;
    }
}
