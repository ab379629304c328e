using System.Globalization;
using System.Text.Json;

namespace Flotilla.Bench;

/// <summary>
/// The longest path through a finished run's step graph (plan.json's <c>dependsOn</c>), each step
/// weighted by its duration as measured in the same run (events.jsonl: its <c>started</c> event to
/// its last event). No schedule can finish the steps sooner, however many run at once. Immutable.
/// </summary>
internal sealed record CriticalPath(TimeSpan Length, IReadOnlyList<(string Step, TimeSpan Duration)> Steps, DateTimeOffset FirstStart, DateTimeOffset LastEnd)
{
    public static async Task<CriticalPath> ReadAsync(string runDirectory, CancellationToken cancellationToken)
    {
        using var plan = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(runDirectory, "plan.json"), cancellationToken).ConfigureAwait(false));
        var starts = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        var ends = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        foreach (var line in await File.ReadAllLinesAsync(Path.Combine(runDirectory, "events.jsonl"), cancellationToken).ConfigureAwait(false))
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            using var json = JsonDocument.Parse(line);
            var step = json.RootElement.GetProperty("step").GetString()!;
            var time = DateTimeOffset.Parse(json.RootElement.GetProperty("time").GetString()!, CultureInfo.InvariantCulture);
            if (json.RootElement.GetProperty("state").GetString() == "started")
            {
                starts.TryAdd(step, time);
            }
            else
            {
                ends[step] = time;
            }
        }

        // plan.json lists every step after the steps it depends on.
        var finish = new Dictionary<string, TimeSpan>(StringComparer.Ordinal);
        var via = new Dictionary<string, string?>(StringComparer.Ordinal);
        var durations = new Dictionary<string, TimeSpan>(StringComparer.Ordinal);
        foreach (var step in plan.RootElement.GetProperty("steps").EnumerateArray())
        {
            var id = step.GetProperty("id").GetString()!;
            var duration = starts.TryGetValue(id, out var start) && ends.TryGetValue(id, out var end) ? end - start : TimeSpan.Zero;
            string? longest = null;
            foreach (var dependency in step.GetProperty("dependsOn").EnumerateArray().Select(d => d.GetString()!))
            {
                if (longest is null || finish[dependency] > finish[longest])
                {
                    longest = dependency;
                }
            }

            durations[id] = duration;
            via[id] = longest;
            finish[id] = duration + (longest is null ? TimeSpan.Zero : finish[longest]);
        }

        var last = finish.MaxBy(f => f.Value).Key;
        var path = new List<(string, TimeSpan)>();
        for (string? step = last; step is not null; step = via[step])
        {
            path.Insert(0, (step, durations[step]));
        }

        return new CriticalPath(finish[last], path, starts.Values.Min(), ends.Values.Max());
    }
}
