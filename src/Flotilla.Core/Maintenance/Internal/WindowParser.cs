using System.Collections.Immutable;
using System.Globalization;

namespace Flotilla.Maintenance.Internal;

/// <summary>Reads <c>DAYS START-END [ZONE]</c> (see <see cref="MaintenanceWindow"/>).</summary>
internal static class WindowParser
{
    private static readonly string[] Names = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
    private const string Shape = "write DAYS START-END [ZONE], e.g. \"mon-fri 02:00-05:00 Europe/Berlin\" or \"daily 22:00-04:00\"";

    /// <summary>Days as a person writes them, Monday first, runs of three or more as ranges: <c>mon-fri</c>, <c>mon,wed,sat,sun</c>.</summary>
    public static string Describe(IReadOnlyCollection<DayOfWeek> days)
    {
        if (days.Count == 7)
        {
            return "daily";
        }

        // Monday-first positions 0..6.
        var set = days.Select(d => ((int)d + 6) % 7).ToHashSet();
        var parts = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            if (!set.Contains(i))
            {
                continue;
            }

            var end = i;
            while (end + 1 < 7 && set.Contains(end + 1))
            {
                end++;
            }

            string Name(int position) => Names[(position + 1) % 7];
            parts.Add(end - i >= 2 ? $"{Name(i)}-{Name(end)}" : end == i ? Name(i) : $"{Name(i)},{Name(end)}");
            i = end;
        }

        return string.Join(',', parts);
    }

    public static bool TryParse(string text, out MaintenanceWindow? window, out string? error)
    {
        window = null;
        var parts = (text ?? "").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length is < 2 or > 3)
        {
            error = $"\"{text}\" is not a maintenance window: {Shape}";
            return false;
        }

        if (!TryDays(parts[0], out var days, out error) || !TryTimes(parts[1], out var start, out var end, out error))
        {
            return false;
        }

        var zone = TimeZoneInfo.Utc;
        if (parts.Length == 3 && !TryZone(parts[2], out zone, out error))
        {
            return false;
        }

        window = new MaintenanceWindow(days, start, end, zone);
        return true;
    }

    private static bool TryDays(string text, out ImmutableArray<DayOfWeek> days, out string? error)
    {
        days = [];
        error = null;
        if (text is "daily" or "*")
        {
            days = [.. Enum.GetValues<DayOfWeek>()];
            return true;
        }

        var set = new SortedSet<DayOfWeek>();
        foreach (var item in text.Split(','))
        {
            var range = item.Split('-');
            if (range.Length > 2 || !TryDay(range[0], out var first) || !TryDay(range[^1], out var last))
            {
                error = $"\"{item}\" in \"{text}\" is not a day or a range of days: use mon, tue, wed, thu, fri, sat, sun, ranges (mon-fri), lists (sat,sun) or daily";
                return false;
            }

            // A range wraps around the week's end: fri-mon is fri, sat, sun, mon.
            for (var day = first; ; day = (DayOfWeek)(((int)day + 1) % 7))
            {
                set.Add(day);
                if (day == last)
                {
                    break;
                }
            }
        }

        days = [.. set];
        return true;
    }

    private static bool TryDay(string text, out DayOfWeek day)
    {
        for (var i = 0; i < Names.Length; i++)
        {
            day = (DayOfWeek)i;
            if (text.Equals(Names[i], StringComparison.OrdinalIgnoreCase)
                || text.Equals(CultureInfo.InvariantCulture.DateTimeFormat.GetDayName(day), StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        day = default;
        return false;
    }

    private static bool TryTimes(string text, out TimeOnly start, out TimeOnly end, out string? error)
    {
        start = end = default;
        error = null;
        var pair = text.Split('-');
        if (pair.Length != 2 || !TryTime(pair[0], out start) || !TryTime(pair[1], out end))
        {
            error = $"\"{text}\" is not a time range: write START-END in 24-hour time, e.g. 02:00-05:00 (an end before the start spans midnight)";
            return false;
        }

        if (start == end)
        {
            error = $"\"{text}\": the window starts and ends at the same time; give a range such as 02:00-05:00 (or 00:00-23:59 for all day)";
            return false;
        }

        return true;
    }

    private static bool TryTime(string text, out TimeOnly time) =>
        TimeOnly.TryParseExact(text, ["H:mm", "HH:mm"], CultureInfo.InvariantCulture, DateTimeStyles.None, out time);

    private static bool TryZone(string text, out TimeZoneInfo zone, out string? error)
    {
        error = null;
        if (TimeZoneInfo.TryFindSystemTimeZoneById(text, out var found))
        {
            zone = found;
            return true;
        }

        zone = TimeZoneInfo.Utc;
        error = $"\"{text}\" is not a time zone this machine knows: use an IANA id such as UTC, Europe/Berlin or America/New_York (from /usr/share/zoneinfo, Debian's tzdata)";
        return false;
    }
}
