namespace Flotilla.Dashboard.Internal;

/// <summary>How a login attempt ended. <see cref="CookieValue"/> is set on success only.</summary>
internal sealed record LoginOutcome(bool Succeeded, string Reason, string? CookieValue, TimeSpan RetryAfter)
{
    public bool LockedOut => RetryAfter > TimeSpan.Zero;
}
