namespace Flotilla.Security.Tests;

public sealed class CredentialLoaderTests
{
    // Made once per test run with the real libxcrypt (cost 4 keeps the tests fast).
    private static readonly string Hash = PasswordHash.Create("hunter2", PasswordHashAlgorithm.Bcrypt, cost: 4).Value;
    private static readonly string OtherHash = PasswordHash.Create("other", PasswordHashAlgorithm.Bcrypt, cost: 4).Value;
    private const string Totp = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
    private const string Session = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    private static Task<CredentialSettings> LoadAsync(Dictionary<string, string> environment, string? file = null) =>
        CredentialLoader.LoadAsync(name => environment.GetValueOrDefault(name), file);

    [Fact]
    public async Task NixFleet_s_variables_are_read_unchanged()
    {
        var settings = await LoadAsync(new()
        {
            ["NIXFLEET_PASSWORD_HASH"] = Hash,
            ["NIXFLEET_TOTP_SECRET"] = Totp,
            ["NIXFLEET_SESSION_SECRET"] = Session,
        });

        Assert.NotNull(settings.Account);
        Assert.True(settings.Account.PasswordHash.Verify("hunter2"));
        Assert.Equal(Totp, settings.Account.TotpSecret!.Base32Text);
        Assert.False(settings.SessionSecret.Generated);
        Assert.Equal("admin", settings.Account.Name);
        Assert.Contains(settings.Notes, n => n.Contains("NIXFLEET_PASSWORD_HASH", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Flotilla_s_names_win_over_NixFleet_s()
    {
        var settings = await LoadAsync(new()
        {
            ["NIXFLEET_PASSWORD_HASH"] = OtherHash,
            ["FLOTILLA_PASSWORD_HASH"] = Hash,
        });

        Assert.True(settings.Account!.PasswordHash.Verify("hunter2"));
        Assert.DoesNotContain(settings.Notes, n => n.Contains("NIXFLEET_PASSWORD_HASH", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_FILE_variable_names_a_file_that_holds_the_value()
    {
        using var directory = new TempDirectory();
        var hashFile = directory.Write("hash", Hash + "\n");
        var totpFile = directory.Write("totp", Totp + "\n");

        var settings = await LoadAsync(new() { ["FLOTILLA_PASSWORD_HASH_FILE"] = hashFile, ["NIXFLEET_TOTP_SECRET_FILE"] = totpFile });

        Assert.True(settings.Account!.PasswordHash.Verify("hunter2"));
        Assert.Equal(Totp, settings.Account.TotpSecret!.Base32Text);
    }

    [Fact]
    public async Task NixFleet_s_env_file_with_inline_comments_is_read_as_the_credentials_file()
    {
        using var directory = new TempDirectory();
        var file = directory.Write("nixfleet.env", $"""
            # NixFleet v2 Configuration
            # Migrated from v1 on YYYY-MM-DD

            # Authentication (reuse from v1)
            NIXFLEET_PASSWORD_HASH={Hash}  # Copy from v1 .env
            NIXFLEET_SESSION_SECRET={Session}        # Generate: openssl rand -hex 32
            NIXFLEET_AGENT_TOKEN=sometoken           # Copy NIXFLEET_API_TOKEN from v1
            NIXFLEET_TOTP_SECRET='{Totp}'           # Copy from v1 .env

            # Optional
            NIXFLEET_LOG_LEVEL=info
            """);

        var settings = await LoadAsync(new() { ["FLOTILLA_CREDENTIALS_FILE"] = file });

        Assert.True(settings.Account!.PasswordHash.Verify("hunter2"));
        Assert.Equal(Totp, settings.Account.TotpSecret!.Base32Text);
        Assert.False(settings.SessionSecret.Generated);
    }

    [Fact]
    public async Task The_environment_wins_over_the_credentials_file()
    {
        using var directory = new TempDirectory();
        var file = directory.Write("creds.env", $"FLOTILLA_PASSWORD_HASH={OtherHash}\n");

        var settings = await LoadAsync(new() { ["FLOTILLA_PASSWORD_HASH"] = Hash }, file);

        Assert.True(settings.Account!.PasswordHash.Verify("hunter2"));
    }

    [Fact]
    public async Task NixFleet_v1_s_plural_session_secrets_are_read()
    {
        var settings = await LoadAsync(new() { ["NIXFLEET_PASSWORD_HASH"] = Hash, ["NIXFLEET_SESSION_SECRETS"] = Session + "," + Session.ToUpperInvariant() });

        Assert.False(settings.SessionSecret.Generated);
        Assert.Equal(SessionSecretFor(Session).DeriveKey("x"), settings.SessionSecret.DeriveKey("x"));
    }

    [Fact]
    public async Task With_no_user_the_settings_load_and_say_how_to_create_one()
    {
        var settings = await LoadAsync(new());

        Assert.Null(settings.Account);
        Assert.True(settings.SessionSecret.Generated);
        Assert.Contains(settings.Notes, n => n.Contains("flotilla passwd", StringComparison.Ordinal) && n.Contains("FLOTILLA_PASSWORD_HASH", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_a_session_secret_one_is_made_and_the_notes_say_sessions_end_at_restart()
    {
        var settings = await LoadAsync(new() { ["FLOTILLA_PASSWORD_HASH"] = Hash, ["FLOTILLA_TOTP_SECRET"] = Totp });

        Assert.True(settings.SessionSecret.Generated);
        Assert.Contains(settings.Notes, n => n.Contains("openssl rand -hex 32", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("NIXFLEET_PASSWORD_HASH", "b12$abc", "NIXFLEET_PASSWORD_HASH (environment) is not a crypt(3) hash")]
    [InlineData("FLOTILLA_PASSWORD_HASH", "$2b$12$short", "FLOTILLA_PASSWORD_HASH (environment) is malformed")]
    [InlineData("FLOTILLA_TOTP_SECRET", "not base32!", "FLOTILLA_TOTP_SECRET (environment) is not base32")]
    [InlineData("NIXFLEET_SESSION_SECRET", "short", "NIXFLEET_SESSION_SECRET (environment) is too short")]
    public async Task A_malformed_value_names_the_variable_and_what_to_do(string name, string value, string expected)
    {
        var environment = new Dictionary<string, string> { [name] = value };
        if (!name.EndsWith("PASSWORD_HASH", StringComparison.Ordinal))
        {
            environment["FLOTILLA_PASSWORD_HASH"] = Hash;
        }

        var error = await Assert.ThrowsAsync<CredentialException>(() => LoadAsync(environment));

        Assert.StartsWith(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_malformed_value_in_the_credentials_file_names_the_file_and_line()
    {
        using var directory = new TempDirectory();
        var file = directory.Write("creds.env", "# x\nFLOTILLA_PASSWORD_HASH=$2b$12$cut\n");

        var error = await Assert.ThrowsAsync<CredentialException>(() => LoadAsync(new(), file));

        Assert.StartsWith($"FLOTILLA_PASSWORD_HASH ({file}:2) is malformed", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_value_and_its_FILE_form_together_are_refused()
    {
        using var directory = new TempDirectory();
        var error = await Assert.ThrowsAsync<CredentialException>(() => LoadAsync(new()
        {
            ["FLOTILLA_PASSWORD_HASH"] = Hash,
            ["FLOTILLA_PASSWORD_HASH_FILE"] = directory.Write("h", Hash),
        }));

        Assert.Contains("keep one of them", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_file_is_named_with_the_variable()
    {
        var error = await Assert.ThrowsAsync<CredentialException>(() => LoadAsync(new() { ["FLOTILLA_TOTP_SECRET_FILE"] = "/nonexistent/totp" }));

        Assert.Contains("FLOTILLA_TOTP_SECRET_FILE", error.Message, StringComparison.Ordinal);
        Assert.Contains("/nonexistent/totp", error.Message, StringComparison.Ordinal);
    }

    private static SessionSecret SessionSecretFor(string text)
    {
        SessionSecret.TryParse(text, out var secret, out _);
        return secret!;
    }
}
