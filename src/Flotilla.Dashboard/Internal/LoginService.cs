using Flotilla.Security;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Flotilla.Dashboard.Internal;

/// <summary>
/// Password + TOTP login with per-client throttling, sessions and the audit log; also the fresh
/// second factor for dangerous operations (step-up). Thread safe.
/// </summary>
internal sealed partial class LoginService(
    CredentialSettings credentials,
    TotpValidator totp,
    LoginThrottle throttle,
    ISessionStore sessions,
    IAuditLog audit,
    SessionTokens tokens,
    IOptions<DashboardOptions> options,
    TimeProvider time,
    ILogger<LoginService> logger)
{
    // Verified when nobody is configured, so a login takes as long either way.
    private static readonly Lazy<PasswordHash> Decoy = new(() => PasswordHash.Create("decoy", PasswordHashAlgorithm.Bcrypt));

    public LoginAccount? Account => credentials.Account;

    public async Task<LoginOutcome> LoginAsync(string? password, string? code, string client, CancellationToken cancellationToken)
    {
        // Reserved before the password is hashed: parallel attempts count before any is answered.
        var decision = throttle.TryBegin(client);
        if (!decision.Allowed)
        {
            LogLockedOut(client, decision.RetryAfter);
            await AuditAsync("-", AuditActions.Login, "locked out", client, cancellationToken).ConfigureAwait(false);
            return new LoginOutcome(false, "locked out", null, decision.RetryAfter);
        }

        var account = credentials.Account;
        var failure = account switch
        {
            null => NoAccount(password),
            _ when !account.PasswordHash.Verify(password ?? "") => "wrong password",
            { TotpSecret: { } secret } => await totp.ValidateAsync(account.Name, secret, code, cancellationToken).ConfigureAwait(false) switch
            {
                TotpResult.Accepted => null,
                TotpResult.Replayed => "totp replayed",
                _ => "wrong totp code",
            },
            _ => null,
        };
        if (failure is not null)
        {
            var after = throttle.Check(client);
            LogFailed(client, failure);
            await AuditAsync(account?.Name ?? "-", AuditActions.Login, failure, client, cancellationToken).ConfigureAwait(false);
            return new LoginOutcome(false, failure, null, after.Allowed ? TimeSpan.Zero : after.RetryAfter);
        }

        throttle.RecordSuccess(client);
        var token = SessionTokens.NewToken();
        var now = time.GetUtcNow();
        await sessions.CreateAsync(new DashboardSession(SessionTokens.IdOf(token), account!.Name, now, now + options.Value.SessionLifetime, now, client), cancellationToken).ConfigureAwait(false);
        await AuditAsync(account.Name, AuditActions.Login, "ok", client, cancellationToken).ConfigureAwait(false);
        LogLoggedIn(account.Name, client);
        return new LoginOutcome(true, "ok", tokens.Protect(token), TimeSpan.Zero);
    }

    public async Task LogoutAsync(string user, string? sessionId, string client, CancellationToken cancellationToken)
    {
        if (sessionId is not null)
        {
            await sessions.DeleteAsync(sessionId, cancellationToken).ConfigureAwait(false);
        }

        await AuditAsync(user, AuditActions.Logout, "ok", client, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Checks a fresh second factor for a dangerous operation: a TOTP code not used before (or the
    /// password when no TOTP is configured). Failures count towards the same lockout as logins.
    /// </summary>
    public async Task<StepUpResult> StepUpAsync(string user, string? secondFactor, string what, string client, CancellationToken cancellationToken)
    {
        var key = "step-up:" + user;
        var decision = throttle.TryBegin(key);
        var account = credentials.Account;
        string? failure;
        if (!decision.Allowed)
        {
            failure = "locked out";
        }
        else if (account is null || account.Name != user)
        {
            failure = "unknown user";
        }
        else if (account.TotpSecret is { } secret)
        {
            failure = await totp.ValidateAsync(account.Name, secret, secondFactor, cancellationToken).ConfigureAwait(false) switch
            {
                TotpResult.Accepted => null,
                TotpResult.Replayed => "totp replayed",
                _ => "wrong totp code",
            };
        }
        else
        {
            failure = account.PasswordHash.Verify(secondFactor ?? "") ? null : "wrong password";
        }

        if (failure is null)
        {
            throttle.RecordSuccess(key);
            return StepUpResult.Ok;
        }

        await audit.AppendAsync(new AuditEntry(time.GetUtcNow(), user, AuditActions.StepUp, null, what, failure, client), cancellationToken).ConfigureAwait(false);
        return new StepUpResult(false, failure);
    }

    // Failed logins are logged with the client address (for fail2ban and the like), never with what was typed.
    [LoggerMessage(EventId = 7001, Level = LogLevel.Warning, Message = "Login failed from {Client}: {Reason}")]
    private partial void LogFailed(string client, string reason);

    [LoggerMessage(EventId = 7002, Level = LogLevel.Warning, Message = "Login refused from {Client}: locked out for {RetryAfter}")]
    private partial void LogLockedOut(string client, TimeSpan retryAfter);

    [LoggerMessage(EventId = 7003, Level = LogLevel.Information, Message = "{User} logged in from {Client}")]
    private partial void LogLoggedIn(string user, string client);

    private static string NoAccount(string? password)
    {
        _ = Decoy.Value.Verify(password ?? "");
        return "no user configured";
    }

    private ValueTask AuditAsync(string actor, string action, string result, string client, CancellationToken cancellationToken) =>
        audit.AppendAsync(new AuditEntry(time.GetUtcNow(), actor, action, null, null, result, client), cancellationToken);
}

internal sealed record StepUpResult(bool Succeeded, string Reason)
{
    public static StepUpResult Ok { get; } = new(true, "ok");
}
