namespace Flotilla.Security;

/// <summary>How many failed logins a client may make before it is locked out, and for how long.</summary>
public sealed record LoginThrottleOptions
{
    /// <summary>Failures within <see cref="Window"/> that lock a client out.</summary>
    public int MaxFailures { get; init; } = 5;

    public TimeSpan Window { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>The first lockout; each further one in a row doubles, up to <see cref="MaxLockout"/>.</summary>
    public TimeSpan Lockout { get; init; } = TimeSpan.FromMinutes(5);

    public TimeSpan MaxLockout { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Clients remembered at once; past it the least recently failed are forgotten, so a flood of addresses cannot fill memory.</summary>
    public int MaxClients { get; init; } = 10_000;
}
