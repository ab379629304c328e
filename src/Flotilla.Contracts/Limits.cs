using System.Globalization;

namespace Flotilla.Contracts;

/// <summary>
/// The ranges numbers must be in wherever they enter (the API, the CLI, the protocol, the agent),
/// in one place so every edge refuses the same values with the same words. Each range stays far
/// from what a timer (at most about 49 days) or a date (year 9999) can hold.
/// </summary>
public static class Limits
{
    /// <summary>How long a command may run on its host: 1 ms to 7 days.</summary>
    public static NumberRange CommandTimeoutSeconds { get; } = new("timeoutSeconds", 0.001, 7 * 86_400);

    /// <summary>How long a command waits for an offline host: 1 ms to 30 days.</summary>
    public static NumberRange QueueExpirySeconds { get; } = new("expiresInSeconds", 0.001, 30 * 86_400);

    /// <summary>The most characters an exec command's input may hold (keys and secrets are small; the server and the agent hold it in memory).</summary>
    public const int MaxCommandInputCharacters = 1024 * 1024;

    /// <summary>How often an agent sends heartbeats: 50 ms to 1 hour.</summary>
    public static NumberRange HeartbeatIntervalSeconds { get; } = new("heartbeatIntervalSeconds", 0.05, 3_600);
}

/// <summary>An inclusive range of seconds; NaN and infinities are outside every range.</summary>
public sealed record NumberRange(string Name, double Min, double Max)
{
    public bool Contains(double value) => value >= Min && value <= Max;

    /// <summary>Null when <paramref name="value"/> is in range; otherwise what to say, naming it <paramref name="name"/> (default <see cref="Name"/>).</summary>
    public string? Check(double value, string? name = null) =>
        Contains(value) ? null : $"{name ?? Name} must be between {Format(Min)} and {Format(Max)} seconds, not {Format(value)}";

    private static string Format(double value) =>
        value.ToString(Math.Abs(value) < 1e9 ? "0.###" : "G6", CultureInfo.InvariantCulture);
}
