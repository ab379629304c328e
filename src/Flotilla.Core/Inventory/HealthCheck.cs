namespace Flotilla.Inventory;

/// <summary>
/// A health check: <c>http</c> (url, expected status), <c>tcp</c> (host, port) or <c>command</c>
/// (run on the host), with interval, timeout and retries. Immutable.
/// </summary>
public sealed record HealthCheck
{
    public required HealthCheckKind Kind { get; init; }
    public HealthCheckPhase Phase { get; init; } = HealthCheckPhase.Liveness;
    public string? Url { get; init; }
    public int ExpectedStatus { get; init; } = 200;
    /// <summary>For tcp: the address to connect to; null means the host's own target address.</summary>
    public string? Host { get; init; }
    public int? Port { get; init; }
    public string? Command { get; init; }
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(5);
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);
    public int Retries { get; init; } = 3;
    public Origin Origin { get; init; } = Origin.None;
}
