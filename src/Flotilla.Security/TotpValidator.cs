using System.Security.Cryptography;
using System.Text;

namespace Flotilla.Security;

/// <summary>Checks codes against the clock with a tolerance of whole steps and refuses a step used before. Thread safe.</summary>
public sealed class TotpValidator(ITotpStepStore steps, TimeProvider time, TotpOptions? options = null)
{
    private readonly TotpOptions _options = options ?? TotpOptions.Default;

    public TotpOptions Options => _options;

    /// <summary>Checks <paramref name="code"/> for <paramref name="account"/> and, when it is right, records its time step as used.</summary>
    public async ValueTask<TotpResult> ValidateAsync(string account, TotpSecret secret, string? code, CancellationToken cancellationToken = default)
    {
        var step = MatchingStep(secret, code);
        if (step is null)
        {
            return TotpResult.Invalid;
        }

        return await steps.TryUseStepAsync(account, step.Value, cancellationToken).ConfigureAwait(false)
            ? TotpResult.Accepted
            : TotpResult.Replayed;
    }

    /// <summary>The time step within the tolerance whose code is <paramref name="code"/>, without recording anything.</summary>
    public long? MatchingStep(TotpSecret secret, string? code)
    {
        var normalized = code?.Replace(" ", "", StringComparison.Ordinal).Trim();
        if (normalized is null || normalized.Length != _options.Digits || !normalized.All(char.IsAsciiDigit))
        {
            return null;
        }

        var given = Encoding.ASCII.GetBytes(normalized);
        var now = Totp.Step(time.GetUtcNow(), _options);
        long? match = null;
        // Every step in the window is computed and compared, so the time taken does not tell which matched.
        for (var offset = -_options.Tolerance; offset <= _options.Tolerance; offset++)
        {
            var expected = Encoding.ASCII.GetBytes(Totp.Code(secret, now + offset, _options));
            if (CryptographicOperations.FixedTimeEquals(expected, given))
            {
                match ??= now + offset;
            }
        }

        return match;
    }
}
