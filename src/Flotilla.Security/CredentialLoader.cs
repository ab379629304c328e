using System.Collections.Immutable;
using Flotilla.Security.Internal;

namespace Flotilla.Security;

/// <summary>
/// Reads who may log in from the environment and files.
/// <list type="bullet">
/// <item>For each of PASSWORD_HASH, TOTP_SECRET and SESSION_SECRET: <c>FLOTILLA_X</c>, or
/// <c>FLOTILLA_X_FILE</c> naming a file that holds the value; else NixFleet's <c>NIXFLEET_X</c> or
/// <c>NIXFLEET_X_FILE</c> (and NixFleet v1's <c>NIXFLEET_SESSION_SECRETS</c>, its first entry).
/// Flotilla's names win.</item>
/// <item><c>FLOTILLA_CREDENTIALS_FILE</c> (or the <c>credentialsFile</c> argument, e.g. from
/// <c>serve --credentials-file</c>): an env file in docker compose's <c>env_file</c> shape with the
/// same names, so NixFleet's <c>~/secrets/nixfleet.env</c> works unchanged. The environment wins
/// over it.</item>
/// <item><c>FLOTILLA_USER</c>: the account's name in the audit log (default <c>admin</c>).</item>
/// </list>
/// </summary>
public static class CredentialLoader
{
    public const string DefaultUser = "admin";

    private static readonly string[] Prefixes = ["FLOTILLA_", "NIXFLEET_"];

    /// <summary>Reads the settings; throws <see cref="CredentialException"/> naming the variable and what to do when one is malformed.</summary>
    public static async Task<CredentialSettings> LoadAsync(Func<string, string?> environment, string? credentialsFile = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var notes = ImmutableArray.CreateBuilder<string>();
        var file = credentialsFile ?? NonEmpty(environment("FLOTILLA_CREDENTIALS_FILE"));
        var fileEntries = new Dictionary<string, EnvFile.Entry>(StringComparer.Ordinal);
        if (file is not null)
        {
            fileEntries = EnvFile.Parse(await ReadAsync(file, "the credentials file", cancellationToken).ConfigureAwait(false), file);
        }

        // A setting: its value, and where it came from for messages.
        async Task<(string Value, string Name, string Source)?> SettingAsync(string suffix)
        {
            foreach (var prefix in Prefixes)
            {
                var name = prefix + suffix;
                var direct = Lookup(name);
                var indirect = Lookup(name + "_FILE");
                if (direct is not null && indirect is not null)
                {
                    throw new CredentialException($"{name} and {name}_FILE are both set ({direct.Value.Source}, {indirect.Value.Source}); keep one of them");
                }

                if (direct is { } d)
                {
                    return (d.Value, name, d.Source);
                }

                if (indirect is { } i)
                {
                    var content = await ReadAsync(i.Value, name + "_FILE", cancellationToken).ConfigureAwait(false);
                    return (content.TrimEnd('\r', '\n'), name, $"file {i.Value} named by {name}_FILE");
                }
            }

            return null;
        }

        (string Value, string Source)? Lookup(string name)
        {
            if (NonEmpty(environment(name)) is { } value)
            {
                return (value, "environment");
            }

            return fileEntries.TryGetValue(name, out var entry) && entry.Value.Length > 0
                ? (entry.Value, $"{file}:{entry.Line}")
                : null;
        }

        var passwordSetting = await SettingAsync("PASSWORD_HASH").ConfigureAwait(false);
        var totpSetting = await SettingAsync("TOTP_SECRET").ConfigureAwait(false);
        var sessionSetting = await SettingAsync("SESSION_SECRET").ConfigureAwait(false);
        if (sessionSetting is null && Lookup("NIXFLEET_SESSION_SECRETS") is { } v1)
        {
            sessionSetting = (v1.Value.Split(',')[0].Trim(), "NIXFLEET_SESSION_SECRETS", v1.Source);
        }

        foreach (var setting in new[] { passwordSetting, totpSetting, sessionSetting })
        {
            if (setting is { Name: var n } && n.StartsWith("NIXFLEET_", StringComparison.Ordinal))
            {
                notes.Add($"read NixFleet's {n} ({setting.Value.Source})");
            }
        }

        LoginAccount? account = null;
        if (passwordSetting is { } password)
        {
            if (!PasswordHash.TryParse(password.Value, out var hash, out var problem))
            {
                throw new CredentialException($"{password.Name} ({password.Source}) {problem}");
            }

            TotpSecret? secret = null;
            if (totpSetting is { } totp)
            {
                if (!TotpSecret.TryParse(totp.Value, out secret, out var totpProblem))
                {
                    throw new CredentialException($"{totp.Name} ({totp.Source}) {totpProblem}");
                }
            }
            else
            {
                notes.Add("no TOTP secret is set (FLOTILLA_TOTP_SECRET): logins need the password alone; make one with `flotilla passwd --totp`");
            }

            var user = Lookup("FLOTILLA_USER") is { } named ? named.Value : DefaultUser;
            account = new LoginAccount(user, hash!, secret);
        }
        else
        {
            notes.Add("no user is configured, so nobody can log in: make a password hash with `flotilla passwd --totp` and set FLOTILLA_PASSWORD_HASH and FLOTILLA_TOTP_SECRET (or their *_FILE forms, or FLOTILLA_CREDENTIALS_FILE)");
            if (totpSetting is { } stray)
            {
                notes.Add($"{stray.Name} is set but no password hash is: it is not used");
            }
        }

        SessionSecret sessionSecret;
        if (sessionSetting is { } session)
        {
            if (!SessionSecret.TryParse(session.Value, out var parsed, out var problem))
            {
                throw new CredentialException($"{session.Name} ({session.Source}) {problem}");
            }

            sessionSecret = parsed!;
        }
        else
        {
            sessionSecret = SessionSecret.Generate();
            if (account is not null)
            {
                notes.Add("no session secret is set (FLOTILLA_SESSION_SECRET): one was made for this run, so sessions end when the server restarts; make one with `openssl rand -hex 32`");
            }
        }

        return new CredentialSettings(account, sessionSecret, notes.ToImmutable());
    }

    /// <summary>Reads the process environment.</summary>
    public static Task<CredentialSettings> LoadAsync(string? credentialsFile = null, CancellationToken cancellationToken = default) =>
        LoadAsync(Environment.GetEnvironmentVariable, credentialsFile, cancellationToken);

    private static async Task<string> ReadAsync(string path, string what, CancellationToken cancellationToken)
    {
        try
        {
            return await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CredentialException($"{what}: cannot read {path}: {e.Message}; check the path and its permissions", e);
        }
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
