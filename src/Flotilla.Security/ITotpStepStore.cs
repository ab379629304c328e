namespace Flotilla.Security;

/// <summary>
/// Remembers the last TOTP time step each account logged in with, so a code is accepted once
/// (RFC 6238, 5.2). The control plane's store persists it (one column per user); implementations
/// must make the check and the update one atomic operation, for example
/// <c>UPDATE users SET totp_step = @step WHERE name = @name AND (totp_step IS NULL OR totp_step &lt; @step)</c>.
/// </summary>
public interface ITotpStepStore
{
    /// <summary>Records <paramref name="step"/> as used by <paramref name="account"/> when it is later than the last step recorded; false (nothing recorded) when it is not.</summary>
    ValueTask<bool> TryUseStepAsync(string account, long step, CancellationToken cancellationToken = default);
}
