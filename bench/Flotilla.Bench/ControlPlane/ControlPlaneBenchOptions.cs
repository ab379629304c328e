using System.Globalization;
using System.Collections.Immutable;

namespace Flotilla.Bench.ControlPlane;

/// <summary>
/// The options of <c>control-plane</c>: <c>--agents N</c> (5000), <c>--lines N</c> output lines
/// per command (3), <c>--duration S</c> seconds of steady heartbeating measured (30),
/// <c>--interval S</c> heartbeat interval (5), <c>--poll S</c> how often the bench reads
/// <c>/api/hosts</c> for heartbeat latencies (2), <c>--connect-parallel N</c> connections being
/// opened at once (64), <c>--fanouts N</c> commands fanned out one after the other (3), <c>--stores sqlite,postgres</c>, <c>--cli PATH</c> (the built CLI) and
/// <c>--server cli|bench-host</c> (the CLI's <c>serve</c>, or this program hosting the same
/// server class in a process of its own); <c>--perf DIR</c> records the server with Linux perf
/// during the fan-out (a diagnosis aid: perf.data and the JIT's symbol map land in DIR);
/// <c>--server-nofile N</c> runs the server under an open-file limit of N (to see it refuse
/// agents past what the limit allows, with fewer agents than the machine's own limit). Immutable.
/// </summary>
internal sealed record ControlPlaneBenchOptions(
    int Agents,
    int Lines,
    double DurationSeconds,
    double IntervalSeconds,
    double PollSeconds,
    int ConnectParallel,
    ImmutableArray<string> Stores,
    string CliPath,
    string Server,
    string? PerfDirectory,
    int FanOuts,
    int? ServerOpenFiles = null)
{
    public static ControlPlaneBenchOptions Parse(IEnumerable<string> args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        string? pending = null;
        foreach (var arg in args)
        {
            if (pending is not null)
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

        var known = new[] { "--agents", "--lines", "--duration", "--interval", "--poll", "--connect-parallel", "--stores", "--cli", "--server", "--perf", "--fanouts", "--server-nofile" };
        foreach (var key in values.Keys.Where(k => !known.Contains(k)))
        {
            throw new ArgumentException($"unknown option {key}; options: {string.Join(", ", known)}");
        }

        int Int(string key, int fallback) => values.TryGetValue(key, out var text) ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;
        double Real(string key, double fallback) => values.TryGetValue(key, out var text) ? double.Parse(text, CultureInfo.InvariantCulture) : fallback;
        var stores = values.GetValueOrDefault("--stores", "sqlite,postgres").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToImmutableArray();
        foreach (var store in stores.Where(s => s is not ("sqlite" or "postgres")))
        {
            throw new ArgumentException($"unknown store \"{store}\"; stores: sqlite, postgres");
        }

        var server = values.GetValueOrDefault("--server", "cli");
        if (server is not ("cli" or "bench-host"))
        {
            throw new ArgumentException($"--server is cli or bench-host, not \"{server}\"");
        }

        var options = new ControlPlaneBenchOptions(
            Int("--agents", 5000),
            Int("--lines", 3),
            Real("--duration", 30),
            Real("--interval", 5),
            Real("--poll", 2),
            Int("--connect-parallel", 64),
            stores,
            Path.GetFullPath(values.GetValueOrDefault("--cli", BenchOptions.DefaultCliPath)),
            server,
            values.TryGetValue("--perf", out var perf) ? Path.GetFullPath(perf) : null,
            Int("--fanouts", 3),
            values.ContainsKey("--server-nofile") ? Int("--server-nofile", 0) : null);
        if (options.ServerOpenFiles is < 64)
        {
            throw new ArgumentException("--server-nofile needs at least 64 files (the server cannot start with fewer)");
        }

        if (options.Agents < 1 || options.Lines < 0 || options.DurationSeconds <= 0 || options.IntervalSeconds <= 0 || options.PollSeconds <= 0 || options.ConnectParallel < 1 || options.FanOuts < 1)
        {
            throw new ArgumentException("--agents, --connect-parallel, --fanouts must be at least 1; --lines at least 0; --duration, --interval, --poll positive");
        }

        return options;
    }
}
