using System.Collections.Immutable;
using System.Globalization;
using Flotilla.Maintenance.Internal;

namespace Flotilla.Maintenance;

/// <summary>Whether a maintenance window is open at a moment, and until when, or when it opens next. Immutable.</summary>
/// <param name="IsOpen">The window is open now.</param>
/// <param name="ClosesAt">When open: when this opening ends.</param>
/// <param name="OpensAt">When closed: when the next opening starts.</param>
public sealed record WindowState(bool IsOpen, DateTimeOffset? ClosesAt, DateTimeOffset? OpensAt);

/// <summary>
/// When unattended work (reboots, upgrades) may run: on some days of the week, from a start to an
/// end time of day, in a time zone. Written <c>DAYS START-END [ZONE]</c>:
/// <c>mon-fri 02:00-05:00 Europe/Berlin</c>, <c>sat,sun 22:00-04:00</c> (an end before the start
/// spans midnight: the opening belongs to the day it starts on), <c>daily 03:00-03:30 UTC</c>.
/// DAYS is <c>daily</c> (or <c>*</c>), or a list of days and ranges (<c>mon,wed,fri-sun</c>);
/// the zone is an IANA id (default UTC). Local times that a DST change skips move forward by the
/// change; times it repeats mean their first occurrence. Immutable; thread safe.
/// </summary>
public sealed record MaintenanceWindow(ImmutableArray<DayOfWeek> Days, TimeOnly Start, TimeOnly End, TimeZoneInfo TimeZone)
{
    /// <summary>The text this window was read from, or an equivalent one.</summary>
    public override string ToString()
    {
        var days = WindowParser.Describe(Days);
        return $"{days} {Start.ToString("HH:mm", CultureInfo.InvariantCulture)}-{End.ToString("HH:mm", CultureInfo.InvariantCulture)} {TimeZone.Id}";
    }

    /// <summary>Reads <c>DAYS START-END [ZONE]</c>; on failure <paramref name="error"/> says what is wrong and what to write.</summary>
    public static bool TryParse(string text, out MaintenanceWindow? window, out string? error) =>
        WindowParser.TryParse(text, out window, out error);

    /// <summary>Whether the window is open at the provider's current time.</summary>
    public WindowState StateAt(TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        return StateAt(time.GetUtcNow());
    }

    /// <summary>Whether the window is open at <paramref name="now"/>; else when it opens next.</summary>
    public WindowState StateAt(DateTimeOffset now)
    {
        var localToday = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, TimeZone).DateTime);
        DateTimeOffset? next = null;
        // An opening that started yesterday may still be open (it spans midnight); the next one is at most a week away.
        for (var offset = -1; offset <= 8; offset++)
        {
            var day = localToday.AddDays(offset);
            if (!Days.Contains(day.DayOfWeek))
            {
                continue;
            }

            var (opens, closes) = Opening(day);
            if (opens <= now && now < closes)
            {
                return new WindowState(true, closes, null);
            }

            if (opens > now && (next is null || opens < next))
            {
                next = opens;
            }
        }

        return new WindowState(false, null, next);
    }

    /// <summary>The opening that starts on local day <paramref name="day"/>, as instants.</summary>
    public (DateTimeOffset Opens, DateTimeOffset Closes) Opening(DateOnly day)
    {
        var opens = WindowClock.ToInstant(day.ToDateTime(Start), TimeZone);
        var endDay = End <= Start ? day.AddDays(1) : day;
        var closes = WindowClock.ToInstant(endDay.ToDateTime(End), TimeZone);
        return (opens, closes);
    }

    /// <summary>An instant as a person in the window's zone reads it: <c>2026-11-23 02:00 Europe/Berlin (01:00 UTC)</c>.</summary>
    public string Describe(DateTimeOffset instant)
    {
        var local = TimeZoneInfo.ConvertTime(instant, TimeZone);
        var text = local.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + " " + TimeZone.Id;
        return TimeZone == TimeZoneInfo.Utc
            ? text
            : text + " (" + instant.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + " UTC)";
    }
}
