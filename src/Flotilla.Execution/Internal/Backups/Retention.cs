using System.Globalization;
using Flotilla.Inventory;

namespace Flotilla.Execution.Internal.Backups;

/// <summary>
/// keep-daily/weekly/monthly over a set of snapshots, as <c>restic forget --keep-*</c> counts
/// them (kopia's retention counts periods the same way): newest first, a snapshot is kept when
/// it is the newest of a day (week: ISO week; month) not seen yet and that kind still has keeps
/// left. Periods are those of the snapshot's UTC time. Thread safe.
/// </summary>
internal static class Retention
{
    /// <summary>Whether the backup asks for retention at all (none given: keep everything).</summary>
    public static bool Applies(BackupSpec backup) => backup.KeepDaily is not null || backup.KeepWeekly is not null || backup.KeepMonthly is not null;

    /// <summary>The snapshots retention removes: those no keep-* rule keeps.</summary>
    public static IReadOnlyList<T> Expired<T>(IEnumerable<T> snapshots, Func<T, DateTimeOffset> time, BackupSpec backup)
    {
        var rules = new List<(Func<DateTimeOffset, string> Period, int Left)>();
        foreach (var (count, period) in new (int?, Func<DateTimeOffset, string>)[]
        {
            (backup.KeepDaily, t => t.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)),
            (backup.KeepWeekly, t => string.Create(CultureInfo.InvariantCulture, $"{ISOWeek.GetYear(t.UtcDateTime)}-{ISOWeek.GetWeekOfYear(t.UtcDateTime)}")),
            (backup.KeepMonthly, t => t.ToString("yyyy-MM", CultureInfo.InvariantCulture)),
        })
        {
            if (count is { } n)
            {
                rules.Add((period, n));
            }
        }

        if (rules.Count == 0)
        {
            return [];
        }

        var last = new string?[rules.Count];
        var expired = new List<T>();
        foreach (var snapshot in snapshots.OrderByDescending(s => time(s)))
        {
            var utc = time(snapshot).ToUniversalTime();
            var kept = false;
            for (var i = 0; i < rules.Count; i++)
            {
                var period = rules[i].Period(utc);
                if (rules[i].Left > 0 && period != last[i])
                {
                    last[i] = period;
                    rules[i] = rules[i] with { Left = rules[i].Left - 1 };
                    kept = true;
                }
            }

            if (!kept)
            {
                expired.Add(snapshot);
            }
        }

        return expired;
    }
}
