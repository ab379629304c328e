using Flotilla.Processes;

namespace Flotilla.Lab.Internal;

/// <summary>Runs programs with argument lists (never a shell string) for the lab.</summary>
internal static class LabProcess
{
    public static async Task<ProcessResult> RunAsync(
        string program,
        IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string>? environment = null,
        CancellationToken cancellationToken = default)
    {
        try
        {
            return await ProcessRunner.RunAsync(program, arguments, environment, cancellationToken).ConfigureAwait(false);
        }
        catch (System.ComponentModel.Win32Exception exception)
        {
            throw new LabException($"cannot start {program}: {exception.Message}; install it or put it on PATH", exception);
        }
    }

    /// <summary>Runs a program and fails with its error output when it exits non-zero.</summary>
    public static async Task<string> RunCheckedAsync(
        string program,
        IReadOnlyList<string> arguments,
        IReadOnlyDictionary<string, string>? environment = null,
        CancellationToken cancellationToken = default)
    {
        var result = await RunAsync(program, arguments, environment, cancellationToken).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw new LabException(
                $"{program} {string.Join(' ', arguments)} exited with {result.ExitCode}: {result.StandardError.Trim()}");
        }

        return result.StandardOutput;
    }
}
