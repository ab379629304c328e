using System.Globalization;
using System.Text;

namespace Flotilla.Planning.Internal;

/// <summary>
/// The plan for a person: a header, then each phase with its steps and what each waits for.
/// Control characters in names are shown escaped so a name cannot forge lines.
/// </summary>
internal static class TextPlanRenderer
{
    private const int MaxIdWidth = 40;

    public static string Render(Plan plan)
    {
        var steps = plan.Steps;
        var hosts = new HashSet<string>(StringComparer.Ordinal);
        var width = 0;
        foreach (var step in steps)
        {
            if (step.Host is not null)
            {
                hosts.Add(step.Host);
            }

            width = Math.Max(width, Printable(step.Id).Length);
        }

        width = Math.Min(width, MaxIdWidth);
        var text = new StringBuilder();
        var operation = plan.Operation.ToString();
        text.Append(CultureInfo.InvariantCulture, $"{operation} plan: {Count(hosts.Count, "host")}, {Count(steps.Length, "step")}").Append('\n');
        foreach (var (phase, members) in PhaseGroups.Of(plan))
        {
            text.Append('\n').Append(Printable(phase)).Append('\n');
            foreach (var i in members)
            {
                var step = steps[i];
                var line = new StringBuilder("  ").Append(Printable(step.Id).PadRight(width));
                if (step.Delay is { } delay && step.Kind == StepKind.Wait)
                {
                    line.Append("  for ").Append(Duration(delay));
                }

                if (!step.DependsOn.IsEmpty)
                {
                    line.Append("  waits for ").Append(string.Join(", ", step.DependsOn.Select(Printable)));
                }

                text.Append(line.ToString().TrimEnd()).Append('\n');
            }
        }

        if (plan.Operation == Operation.Reboot)
        {
            text.Append('\n').Append(RebootTotal(plan)).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>
    /// A reboot plan is one chain, so its waits add up: each host's rebootDelay, counted from the
    /// moment the host before it is verified. Reboots and verifications take what they take.
    /// </summary>
    private static string RebootTotal(Plan plan)
    {
        var waits = plan.Steps.Where(s => s.Kind == StepKind.Wait && s.Delay is { } d && d > TimeSpan.Zero).ToList();
        var total = waits.Aggregate(TimeSpan.Zero, (sum, s) => sum + s.Delay!.Value);
        var reboots = plan.Steps.Count(s => s.Kind == StepKind.Reboot);
        var parts = waits.Count == 0 ? "no rebootDelay" : string.Join(" + ", waits.Select(s => Printable(s.Host ?? s.Id) + " " + Duration(s.Delay!.Value)));
        return $"total: {Human(total)} of waits ({parts}), plus the time {Count(reboots, "reboot")} and their verifications take";
    }

    /// <summary><c>45s</c>, <c>10m</c>, <c>1h 5m 30s</c>.</summary>
    private static string Human(TimeSpan span)
    {
        if (span.TotalSeconds < 60 || span.TotalSeconds != Math.Floor(span.TotalSeconds))
        {
            return Duration(span);
        }

        var parts = new List<string>(3);
        if ((long)span.TotalHours is var hours and > 0)
        {
            parts.Add(hours.ToString(CultureInfo.InvariantCulture) + "h");
        }

        if (span.Minutes > 0)
        {
            parts.Add(span.Minutes.ToString(CultureInfo.InvariantCulture) + "m");
        }

        if (span.Seconds > 0)
        {
            parts.Add(span.Seconds.ToString(CultureInfo.InvariantCulture) + "s");
        }

        return string.Join(' ', parts);
    }

    private static string Count(int count, string noun) =>
        count.ToString(CultureInfo.InvariantCulture) + " " + (count == 1 ? noun : noun + "s");

    private static string Duration(TimeSpan delay) =>
        delay.TotalSeconds == Math.Floor(delay.TotalSeconds)
            ? ((long)delay.TotalSeconds).ToString(CultureInfo.InvariantCulture) + "s"
            : delay.TotalMilliseconds.ToString(CultureInfo.InvariantCulture) + "ms";

    private static string Printable(string text)
    {
        foreach (var c in text)
        {
            if (char.IsControl(c))
            {
                return Escape(text);
            }
        }

        return text;
    }

    private static string Escape(string text)
    {
        var builder = new StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            if (char.IsControl(c))
            {
                builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }
}
