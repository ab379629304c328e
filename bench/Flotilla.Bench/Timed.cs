using System.Diagnostics;
using Flotilla.Processes;

namespace Flotilla.Bench;

/// <summary>A finished program and how long it ran, from start to exit (wall clock).</summary>
internal sealed record Timed(ProcessResult Result, TimeSpan Elapsed)
{
    public double Seconds => Elapsed.TotalSeconds;

    /// <summary>Runs a program with an argument list; a non-zero exit is an error naming the command and its output.</summary>
    public static async Task<Timed> RunAsync(string program, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string>? environment = null, CancellationToken cancellationToken = default)
    {
        var watch = Stopwatch.StartNew();
        var result = await ProcessRunner.RunAsync(program, arguments, environment, cancellationToken).ConfigureAwait(false);
        var elapsed = watch.Elapsed;
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"bench: `{program} {string.Join(' ', arguments)}` exited {result.ExitCode}:\n{Tail(result.StandardOutput)}\n{Tail(result.StandardError)}");
        }

        return new Timed(result, elapsed);
    }

    private static string Tail(string text) => text.Length <= 4000 ? text : "..." + text[^4000..];
}
