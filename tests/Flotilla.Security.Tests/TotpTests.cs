using System.Text;

namespace Flotilla.Security.Tests;

public sealed class TotpTests
{
    private static readonly TotpSecret Sha1Seed = TotpSecret.FromBytes(Encoding.ASCII.GetBytes("12345678901234567890"));
    private static readonly TotpSecret Sha256Seed = TotpSecret.FromBytes(Encoding.ASCII.GetBytes("12345678901234567890123456789012"));
    private static readonly TotpSecret Sha512Seed = TotpSecret.FromBytes(Encoding.ASCII.GetBytes("1234567890123456789012345678901234567890123456789012345678901234"));

    // RFC 6238, Appendix B: T0 = 0, X = 30 s, 8 digits.
    [Theory]
    [InlineData(59L, "94287082", TotpAlgorithm.Sha1)]
    [InlineData(59L, "46119246", TotpAlgorithm.Sha256)]
    [InlineData(59L, "90693936", TotpAlgorithm.Sha512)]
    [InlineData(1111111109L, "07081804", TotpAlgorithm.Sha1)]
    [InlineData(1111111109L, "68084774", TotpAlgorithm.Sha256)]
    [InlineData(1111111109L, "25091201", TotpAlgorithm.Sha512)]
    [InlineData(1111111111L, "14050471", TotpAlgorithm.Sha1)]
    [InlineData(1111111111L, "67062674", TotpAlgorithm.Sha256)]
    [InlineData(1111111111L, "99943326", TotpAlgorithm.Sha512)]
    [InlineData(1234567890L, "89005924", TotpAlgorithm.Sha1)]
    [InlineData(1234567890L, "91819424", TotpAlgorithm.Sha256)]
    [InlineData(1234567890L, "93441116", TotpAlgorithm.Sha512)]
    [InlineData(2000000000L, "69279037", TotpAlgorithm.Sha1)]
    [InlineData(2000000000L, "90698825", TotpAlgorithm.Sha256)]
    [InlineData(2000000000L, "38618901", TotpAlgorithm.Sha512)]
    [InlineData(20000000000L, "65353130", TotpAlgorithm.Sha1)]
    [InlineData(20000000000L, "77737706", TotpAlgorithm.Sha256)]
    [InlineData(20000000000L, "47863826", TotpAlgorithm.Sha512)]
    public void The_codes_are_the_RFC_6238_test_vectors(long unixSeconds, string expected, TotpAlgorithm algorithm)
    {
        var options = new TotpOptions { Algorithm = algorithm, Digits = 8 };
        var secret = algorithm switch
        {
            TotpAlgorithm.Sha256 => Sha256Seed,
            TotpAlgorithm.Sha512 => Sha512Seed,
            _ => Sha1Seed,
        };

        var step = Totp.Step(DateTimeOffset.FromUnixTimeSeconds(unixSeconds), options);

        Assert.Equal(expected, Totp.Code(secret, step, options));
    }

    [Fact]
    public void Six_digit_codes_are_the_last_six_digits_of_the_eight_digit_ones()
    {
        var step = Totp.Step(DateTimeOffset.FromUnixTimeSeconds(1111111109), TotpOptions.Default);

        Assert.Equal("081804", Totp.Code(Sha1Seed, step, TotpOptions.Default));
    }

    [Fact]
    public void Base32_round_trips_and_reads_what_apps_show()
    {
        Assert.Equal("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", Base32.Encode(Encoding.ASCII.GetBytes("12345678901234567890")));
        Assert.True(Base32.TryDecode("gezd gnbv gy3t qojq gezd gnbv gy3t qojq", out var bytes));
        Assert.Equal("12345678901234567890", Encoding.ASCII.GetString(bytes));
        Assert.True(Base32.TryDecode("MZXW6YQ=", out var foo));
        Assert.Equal("foob", Encoding.ASCII.GetString(foo));
        Assert.False(Base32.TryDecode("GEZ1", out _));
    }

    [Theory]
    [InlineData("", "is empty")]
    [InlineData("JBSWY3DPEHPK3PX", "too short")]
    [InlineData("JBSWY3DPEHPK3PXP0000", "not base32")]
    [InlineData("otpauth://totp/x?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", "otpauth")]
    public void A_malformed_secret_is_refused_with_what_to_do(string text, string expected)
    {
        Assert.False(TotpSecret.TryParse(text, out _, out var problem));
        Assert.Contains(expected, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_generated_secret_has_160_bits_and_never_prints_itself()
    {
        var secret = TotpSecret.Generate();

        Assert.Equal(32, secret.Base32Text.Length);
        Assert.DoesNotContain(secret.Base32Text, secret.ToString(), StringComparison.Ordinal);
        Assert.NotEqual(secret.Base32Text, TotpSecret.Generate().Base32Text);
    }
}
