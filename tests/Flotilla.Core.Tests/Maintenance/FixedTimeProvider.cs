using System.Globalization;

namespace Flotilla.Tests.Maintenance;

/// <summary>A clock that stands at one instant.</summary>
internal sealed class FixedTimeProvider(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;

    public static FixedTimeProvider AtUtc(string instant) =>
        new(DateTimeOffset.Parse(instant, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal));
}
