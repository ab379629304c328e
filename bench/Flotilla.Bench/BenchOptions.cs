using System.Globalization;

namespace Flotilla.Bench;

/// <summary>
/// The options of the lab benchmarks: <c>--cli PATH</c> (the built CLI, run as a user runs it:
/// <c>dotnet PATH</c>), <c>--hosts N</c>, <c>--repeat N</c>, <c>--parallel N</c>, <c>--chains N</c>, <c>--chain-length N</c>,
/// <c>--startup S</c> (seconds every lab service takes to start; activation waits for it). Immutable.
/// </summary>
internal sealed record BenchOptions(string CliPath, int? Hosts, int Repeat, int? Parallel, int Chains, int ChainLength, int Startup = 0)
{
    public const string DefaultCliPath = ".build/cli/flotilla.dll";

    public static BenchOptions Parse(IEnumerable<string> args)
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
        }

        int? Number(string key) => values.TryGetValue(key, out var text) ? int.Parse(text, CultureInfo.InvariantCulture) : null;
        return new BenchOptions(
            Path.GetFullPath(values.GetValueOrDefault("--cli", DefaultCliPath)),
            Number("--hosts"),
            Number("--repeat") ?? 5,
            Number("--parallel"),
            Number("--chains") ?? 4,
            Number("--chain-length") ?? 4,
            Number("--startup") ?? 0);
    }
}
