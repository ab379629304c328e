using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;

namespace Flotilla.Security;

/// <summary>RFC 6238 time-based one-time passwords: the pure computation. Thread safe.</summary>
public static class Totp
{
    /// <summary>The time step <paramref name="time"/> falls in (seconds since the Unix epoch over the period).</summary>
    public static long Step(DateTimeOffset time, TotpOptions options) =>
        (long)Math.Floor(time.ToUnixTimeMilliseconds() / 1000.0 / options.Period.TotalSeconds);

    /// <summary>The code for one time step, zero-padded to the option's digits.</summary>
    public static string Code(TotpSecret secret, long step, TotpOptions options) => Code(secret.Key, step, options);

    internal static string Code(ReadOnlySpan<byte> key, long step, TotpOptions options)
    {
        if (options.Digits is < 6 or > 8)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Digits, "TOTP codes have 6 to 8 digits");
        }

        Span<byte> counter = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(counter, step);
        Span<byte> mac = stackalloc byte[64];
        var length = options.Algorithm switch
        {
            TotpAlgorithm.Sha1 => HMACSHA1.HashData(key, counter, mac),
            TotpAlgorithm.Sha256 => HMACSHA256.HashData(key, counter, mac),
            TotpAlgorithm.Sha512 => HMACSHA512.HashData(key, counter, mac),
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Algorithm, null),
        };
        var offset = mac[length - 1] & 0x0F;
        var binary = BinaryPrimitives.ReadInt32BigEndian(mac.Slice(offset, 4)) & 0x7FFFFFFF;
        var modulus = (int)Math.Pow(10, options.Digits);
        return (binary % modulus).ToString(CultureInfo.InvariantCulture).PadLeft(options.Digits, '0');
    }
}
