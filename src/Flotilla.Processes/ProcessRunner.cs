using System.Diagnostics;
using System.Text;

namespace Flotilla.Processes;

/// <summary>The outcome of a finished program.</summary>
public sealed record ProcessResult(int ExitCode, string StandardOutput, string StandardError);

/// <summary>
/// Runs a program with an argument list (never a shell string) and collects its output; a
/// cancelled run kills the program and its children. Thread safe.
/// </summary>
public static class ProcessRunner
{
    public static Task<ProcessResult> RunAsync(
        string program,
        IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string>? environment = null,
        CancellationToken cancellationToken = default) =>
        RunAsync(program, arguments, environment, standardInput: null, onLine: null, cancellationToken);

    /// <summary>
    /// Runs a program, writes <paramref name="standardInput"/> to its stdin (then closes it; the
    /// only way a secret should reach a program) and reports every line it prints, stdout and
    /// stderr alike, to <paramref name="onLine"/> as it arrives.
    /// </summary>
    public static async Task<ProcessResult> RunAsync(
        string program,
        IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string>? environment,
        string? standardInput,
        Action<string>? onLine,
        CancellationToken cancellationToken = default)
    {
        var startInfo = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        if (environment is not null)
        {
            foreach (var (name, value) in environment)
            {
                startInfo.Environment[name] = value;
            }
        }

        using var process = new Process { StartInfo = startInfo };
        process.Start();
        var stdout = ReadLinesAsync(process.StandardOutput, onLine, cancellationToken);
        var stderr = ReadLinesAsync(process.StandardError, onLine, cancellationToken);
        try
        {
            try
            {
                if (standardInput is not null)
                {
                    await process.StandardInput.WriteAsync(standardInput.AsMemory(), cancellationToken).ConfigureAwait(false);
                    await process.StandardInput.FlushAsync(cancellationToken).ConfigureAwait(false);
                }

                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // The program exited without reading all of its input; its exit code tells why.
            }
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return new ProcessResult(process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
    }

    private static async Task<string> ReadLinesAsync(StreamReader reader, Action<string>? onLine, CancellationToken cancellationToken)
    {
        if (onLine is null)
        {
            return await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
        }

        var text = new StringBuilder();
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            text.Append(line).Append('\n');
            onLine(line);
        }

        return text.ToString();
    }

    /// <summary>The full path of a program on PATH, or null.</summary>
    public static string? Find(string program)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var directory in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, program);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
