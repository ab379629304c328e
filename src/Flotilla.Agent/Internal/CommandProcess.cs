using Flotilla.Contracts;
using Flotilla.Processes;

namespace Flotilla.Agent.Internal;

/// <summary>
/// Runs one command through the <see cref="ProcessRunner"/> (its own process group), reports both
/// streams line by line, numbered across the two, and kills the whole group on request, at its
/// timeout or when the agent stops.
/// </summary>
internal sealed class CommandProcess(string commandId, TimeProvider time)
{
    private readonly CancellationTokenSource _kill = new();

    private long _line;
    private bool _killRequested;

    public string CommandId { get; } = commandId;

    public void Kill()
    {
        _killRequested = true;
        _kill.Cancel();
    }

    /// <summary>
    /// Runs the program; <paramref name="onLine"/> gets every line (numbered over both streams) as
    /// it is printed, and the next line is read once it returns. A timeout out of
    /// <see cref="Limits.CommandTimeoutSeconds"/> fails the command before anything starts: a
    /// process must never run without the timer that can kill it.
    /// </summary>
    /// <param name="input">What the program reads on its standard input, then end of input (null: none).</param>
    public async Task<CommandCompletedMessage> RunAsync(
        IReadOnlyList<string> argv,
        double timeoutSeconds,
        int maxLineLength,
        Func<long, OutputStream, string, ValueTask> onLine,
        CancellationToken cancellationToken,
        string? input = null)
    {
        var started = time.GetTimestamp();
        if (Limits.CommandTimeoutSeconds.Check(timeoutSeconds) is { } outOfRange)
        {
            return Completed(CommandOutcome.FailedToStart, null, started, outOfRange);
        }

        var timeout = TimeSpan.FromSeconds(timeoutSeconds);
        using var kill = CancellationTokenSource.CreateLinkedTokenSource(_kill.Token, cancellationToken);
        ProcessResult result;
        try
        {
            // Numbered over both streams: the runner hands lines over one at a time, in the order read.
            result = await ProcessRunner.RunAsync(
                new ProcessCommand(argv[0], [.. argv.Skip(1)])
                {
                    StandardInput = input,
                    Collect = false,
                    Timeout = timeout,
                    Time = time,
                    Kill = kill.Token,
                    OnLine = (stream, line) => onLine(
                        ++_line,
                        stream == ProcessStream.Output ? OutputStream.Stdout : OutputStream.Stderr,
                        line.Length > maxLineLength ? line[..maxLineLength] + " [line cut]" : line),
                },
                CancellationToken.None).ConfigureAwait(false);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return Completed(CommandOutcome.FailedToStart, null, started, $"could not start {argv[0]}: {e.Message}");
        }

        if (_killRequested)
        {
            return Completed(CommandOutcome.Killed, result.ExitCode, started, "killed on request");
        }

        if (result.TimedOut)
        {
            return Completed(CommandOutcome.TimedOut, result.ExitCode, started, $"killed after its timeout of {timeout.TotalSeconds:0.###} s");
        }

        if (result.Killed)
        {
            return Completed(CommandOutcome.Killed, result.ExitCode, started, "the agent is stopping");
        }

        return Completed(CommandOutcome.Exited, result.ExitCode, started, null);
    }

    private CommandCompletedMessage Completed(CommandOutcome outcome, int? exitCode, long started, string? message) => new(
        CommandId, outcome, (long)time.GetElapsedTime(started).TotalMilliseconds, exitCode, message) { Seq = 0 };
}
