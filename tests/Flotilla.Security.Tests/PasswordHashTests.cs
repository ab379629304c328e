namespace Flotilla.Security.Tests;

public sealed class PasswordHashTests
{
    private const string Password = "correct horse battery staple";

    [Theory]
    [InlineData("bcrypt", "$2b$")]
    [InlineData("yescrypt", "$y$")]
    [InlineData("sha512crypt", "$6$")]
    public async Task A_hash_from_mkpasswd_verifies_its_password_and_no_other(string method, string prefix)
    {
        var made = await Tools.RunAsync("mkpasswd", Password, "--stdin", "--method=" + method);

        Assert.StartsWith(prefix, made, StringComparison.Ordinal);
        Assert.True(PasswordHash.TryParse(made, out var hash, out var problem), problem);
        Assert.True(hash!.Verify(Password));
        Assert.False(hash.Verify(Password + "!"));
        Assert.False(hash.Verify(""));
    }

    [Fact]
    public async Task A_hash_from_htpasswd_B_with_2y_verifies()
    {
        var line = await Tools.RunAsync("htpasswd", Password, "-niB", "admin");
        var made = line["admin:".Length..];

        Assert.StartsWith("$2y$", made, StringComparison.Ordinal);
        Assert.True(PasswordHash.TryParse(made, out var hash, out var problem), problem);
        Assert.Equal(PasswordHashAlgorithm.Bcrypt, hash!.Algorithm);
        Assert.True(hash.Verify(Password));
        Assert.False(hash.Verify("correct horse battery stapl"));
    }

    [Fact]
    public async Task A_hash_from_openssl_passwd_6_verifies()
    {
        var made = await Tools.RunAsync("openssl", Password + "\n", "passwd", "-6", "-stdin");

        Assert.True(PasswordHash.TryParse(made, out var hash, out var problem), problem);
        Assert.Equal(PasswordHashAlgorithm.Sha512Crypt, hash!.Algorithm);
        Assert.True(hash.Verify(Password));
        Assert.False(hash.Verify(Password.ToUpperInvariant()));
    }

    [Fact]
    public async Task A_bcrypt_hash_flotilla_makes_is_accepted_by_htpasswd()
    {
        using var directory = new TempDirectory();
        var hash = PasswordHash.Create(Password, PasswordHashAlgorithm.Bcrypt, cost: 5);
        var file = directory.Write("htpasswd", "admin:" + hash.Value + "\n");

        Assert.StartsWith("$2b$05$", hash.Value, StringComparison.Ordinal);
        await Tools.RunAsync("htpasswd", Password, "-vi", file, "admin");
    }

    [Theory]
    [InlineData(PasswordHashAlgorithm.Bcrypt, "$2b$12$")]
    [InlineData(PasswordHashAlgorithm.Yescrypt, "$y$")]
    [InlineData(PasswordHashAlgorithm.Sha512Crypt, "$6$")]
    public void A_hash_flotilla_makes_verifies_and_has_a_fresh_salt(PasswordHashAlgorithm algorithm, string prefix)
    {
        var first = PasswordHash.Create("pässwörd ✓", algorithm);
        var second = PasswordHash.Create("pässwörd ✓", algorithm);

        Assert.StartsWith(prefix, first.Value, StringComparison.Ordinal);
        Assert.NotEqual(first.Value, second.Value);
        Assert.True(first.Verify("pässwörd ✓"));
        Assert.False(first.Verify("passwörd ✓"));
        Assert.True(PasswordHash.TryParse(first.Value, out _, out var problem), problem);
    }

    [Fact]
    public void Bcrypt_refuses_to_make_a_hash_of_a_password_longer_than_72_bytes()
    {
        var error = Assert.Throws<ArgumentException>(() => PasswordHash.Create(new string('a', 73)));

        Assert.Contains("72", error.Message, StringComparison.Ordinal);
        Assert.True(PasswordHash.Create(new string('a', 73), PasswordHashAlgorithm.Yescrypt).Verify(new string('a', 73)));
    }

    [Theory]
    [InlineData("", "is empty")]
    [InlineData("hunter2", "is not a crypt(3) hash")]
    [InlineData("b12$abcdefghijklmnopqrstuv", "may have been expanded")]
    [InlineData("$$2b$$12$$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW", "escaped for docker compose")]
    [InlineData("$1$abc$0123456789012345678901", "too weak")]
    [InlineData("$5$saltsalt$abc", "does not accept")]
    [InlineData("$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jW", "malformed")]
    [InlineData("$y$j9T$8ImSvtVYsirUwy8NmGo5w1", "malformed")]
    [InlineData(" $2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW", "spaces")]
    public void A_malformed_hash_is_refused_with_what_to_do(string value, string expected)
    {
        Assert.False(PasswordHash.TryParse(value, out var hash, out var problem));
        Assert.Null(hash);
        Assert.Contains(expected, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Verifying_from_many_threads_at_once_gives_the_right_answers()
    {
        var hash = PasswordHash.Create("p1", PasswordHashAlgorithm.Sha512Crypt);
        var results = new bool[64];

        Parallel.For(0, results.Length, i => results[i] = hash.Verify(i % 2 == 0 ? "p1" : "p2") == (i % 2 == 0));

        Assert.All(results, Assert.True);
    }
}
