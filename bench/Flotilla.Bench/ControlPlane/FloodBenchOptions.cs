using System.Collections.Immutable;
using System.Globalization;

namespace Flotilla.Bench.ControlPlane;

/// <summary>
/// The options of <c>control-plane-flood</c>: <c>--flooders N</c> agents printing at full speed
/// (10), <c>--agents N</c> quiet agents whose heartbeats are measured (100), <c>--interval S</c>
/// their heartbeat interval (1), <c>--duration S</c> of flooding (60), <c>--line-bytes N</c> per
/// printed line (120), <c>--reader-rate BYTES</c> per second the slow event-stream reader takes
/// (64KiB), <c>--stores sqlite,postgres</c> (sqlite), <c>--cli PATH</c> (the built CLI; another
/// build measures another version), <c>--rss-guard MIB</c> (the server is killed past it, to keep
/// the machine alive: 3072), and <c>--server-arg ARG</c> (repeatable) passed on to <c>serve</c>. Immutable.
/// </summary>
internal sealed record FloodBenchOptions(
    int Flooders,
    int Agents,
    double IntervalSeconds,
    double DurationSeconds,
    int LineBytes,
    long ReaderBytesPerSecond,
    ImmutableArray<string> Stores,
    string CliPath,
    long RssGuardBytes,
    ImmutableArray<string> ServerArguments)
{
    public static FloodBenchOptions Parse(IEnumerable<string> args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var serverArguments = ImmutableArray.CreateBuilder<string>();
        string? pending = null;
        foreach (var arg in args)
        {
            if (pending == "--server-arg")
            {
                serverArguments.Add(arg);
                pending = null;
            }
            else if (pending is not null)
            {
                values[pending] = arg;
                pending = null;
            }
            else if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                pending = arg;
            }
            else
            {
                throw new ArgumentException($"unexpected argument \"{arg}\"");
            }
        }

        if (pending is not null)
        {
            throw new ArgumentException($"{pending} needs a value");
        }

        var known = new[] { "--flooders", "--agents", "--interval", "--duration", "--line-bytes", "--reader-rate", "--stores", "--cli", "--rss-guard" };
        foreach (var key in values.Keys.Where(k => !known.Contains(k)))
        {
            throw new ArgumentException($"unknown option {key}; options: {string.Join(", ", known)}, --server-arg");
        }

        int Int(string key, int fallback) => values.TryGetValue(key, out var text) ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;
        double Real(string key, double fallback) => values.TryGetValue(key, out var text) ? double.Parse(text, CultureInfo.InvariantCulture) : fallback;
        var stores = values.GetValueOrDefault("--stores", "sqlite").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToImmutableArray();
        foreach (var store in stores.Where(s => s is not ("sqlite" or "postgres")))
        {
            throw new ArgumentException($"unknown store \"{store}\"; stores: sqlite, postgres");
        }

        var rate = values.GetValueOrDefault("--reader-rate", "64KiB");
        var options = new FloodBenchOptions(
            Int("--flooders", 10),
            Int("--agents", 100),
            Real("--interval", 1),
            Real("--duration", 60),
            Int("--line-bytes", 120),
            Size(rate) ?? throw new ArgumentException($"--reader-rate {rate}: give bytes per second, such as 64KiB"),
            stores,
            Path.GetFullPath(values.GetValueOrDefault("--cli", BenchOptions.DefaultCliPath)),
            Int("--rss-guard", 3072) * 1024L * 1024,
            serverArguments.ToImmutable());
        if (options.Flooders < 1 || options.Agents < 1 || options.IntervalSeconds <= 0 || options.DurationSeconds <= 0 || options.LineBytes < 40 || options.ReaderBytesPerSecond < 1024)
        {
            throw new ArgumentException("--flooders and --agents must be at least 1, --interval and --duration positive, --line-bytes at least 40, --reader-rate at least 1KiB");
        }

        return options;
    }

    private static long? Size(string text)
    {
        var units = new (string Suffix, long Factor)[] { ("KiB", 1024), ("MiB", 1024 * 1024), ("", 1) };
        foreach (var (suffix, factor) in units)
        {
            if (text.EndsWith(suffix, StringComparison.OrdinalIgnoreCase) && long.TryParse(text[..^suffix.Length], NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            {
                return number * factor;
            }
        }

        return null;
    }
}
