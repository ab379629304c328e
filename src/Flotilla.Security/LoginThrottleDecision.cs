namespace Flotilla.Security;

/// <summary>Whether a client may try to log in now, and when it may again if not.</summary>
public readonly record struct LoginThrottleDecision(bool Allowed, TimeSpan RetryAfter)
{
    public static LoginThrottleDecision Allow { get; } = new(true, TimeSpan.Zero);
}
