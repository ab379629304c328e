namespace Flotilla.Maintenance.Internal;

/// <summary>Local wall-clock times to instants, across DST changes.</summary>
internal static class WindowClock
{
    /// <summary>
    /// The instant a local time names in <paramref name="zone"/>. A time the zone skips (spring
    /// forward) moves forward by the change (02:30 on a day that jumps from 02:00 to 03:00 is
    /// 03:30); a time it repeats (fall back) is its first occurrence.
    /// </summary>
    public static DateTimeOffset ToInstant(DateTime local, TimeZoneInfo zone)
    {
        local = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        TimeSpan offset;
        if (zone.IsInvalidTime(local))
        {
            // The offset in force before the gap: reading the skipped time with it lands after the gap.
            offset = zone.GetUtcOffset(local.AddHours(-6));
        }
        else if (zone.IsAmbiguousTime(local))
        {
            offset = zone.GetAmbiguousTimeOffsets(local).Max();
        }
        else
        {
            offset = zone.GetUtcOffset(local);
        }

        return new DateTimeOffset(local - offset, TimeSpan.Zero);
    }
}
