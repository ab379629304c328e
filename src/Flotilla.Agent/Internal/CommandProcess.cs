using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using Flotilla.Contracts;
using Flotilla.Processes;

namespace Flotilla.Agent.Internal;

/// <summary>
/// Runs one command as a child process in its own process group (through <c>setsid</c>, which
/// execs in place), reports both streams line by line, and kills the whole group on request or
/// at its timeout.
/// </summary>
internal sealed partial class CommandProcess(string commandId, TimeProvider time)
{
    private const string Setsid = "/usr/bin/setsid";
    private readonly CancellationTokenSource _kill = new();

    // Numbering a line and handing it on are one step: the two streams' readers take turns, so
    // lines reach onLine (and the server) in the order of their numbers.
    private readonly SemaphoreSlim _handOver = new(1, 1);
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
        var useSetsid = OperatingSystem.IsLinux() && File.Exists(Setsid);
        var startInfo = new ProcessStartInfo(useSetsid ? Setsid : argv[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in useSetsid ? argv : argv.Skip(1))
        {
            startInfo.ArgumentList.Add(argument);
        }

        // The timer first: it can kill whatever starts.
        using var timer = new CancellationTokenSource(timeout, time);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(_kill.Token, timer.Token, cancellationToken);
        using var process = new Process { StartInfo = startInfo };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return Completed(CommandOutcome.FailedToStart, null, started, $"could not start {argv[0]}: {e.Message}");
        }

        // Written beside the readers: a program that prints before it has read all its input must not stall.
        var feed = FeedAsync(process.StandardInput, input);
        var stdout = PumpAsync(process.StandardOutput, OutputStream.Stdout, maxLineLength, onLine);
        var stderr = PumpAsync(process.StandardError, OutputStream.Stderr, maxLineLength, onLine);
        try
        {
            await process.WaitForExitAsync(stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            KillGroup(process, useSetsid);
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        }

        // The group is gone; its pipes close and the readers finish.
        await Task.WhenAll(stdout, stderr, feed).ConfigureAwait(false);
        if (_killRequested)
        {
            return Completed(CommandOutcome.Killed, process.ExitCode, started, "killed on request");
        }

        if (timer.IsCancellationRequested)
        {
            return Completed(CommandOutcome.TimedOut, process.ExitCode, started, $"killed after its timeout of {timeout.TotalSeconds:0.###} s");
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return Completed(CommandOutcome.Killed, process.ExitCode, started, "the agent is stopping");
        }

        return Completed(CommandOutcome.Exited, process.ExitCode, started, null);
    }

    private CommandCompletedMessage Completed(CommandOutcome outcome, int? exitCode, long started, string? message) => new(
        CommandId, outcome, (long)time.GetElapsedTime(started).TotalMilliseconds, exitCode, message) { Seq = 0 };

    private static async Task FeedAsync(StreamWriter writer, string? input)
    {
        try
        {
            if (input is not null)
            {
                await writer.WriteAsync(input).ConfigureAwait(false);
                await writer.FlushAsync().ConfigureAwait(false);
            }
        }
        catch (IOException)
        {
            // The program ended (or closed its input) before reading all of it.
        }
        finally
        {
            try
            {
                writer.Close();
            }
            catch (IOException)
            {
            }
        }
    }

    private async Task PumpAsync(StreamReader reader, OutputStream stream, int maxLineLength, Func<long, OutputStream, string, ValueTask> onLine)
    {
        while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            var text = line.Length > maxLineLength ? line[..maxLineLength] + " [line cut]" : line;
            await _handOver.WaitAsync().ConfigureAwait(false);
            try
            {
                await onLine(++_line, stream, text).ConfigureAwait(false);
            }
            finally
            {
                _handOver.Release();
            }
        }
    }

    private static void KillGroup(Process process, bool ownGroup)
    {
        try
        {
            if (ownGroup && OperatingSystem.IsLinux())
            {
                // setsid exec'd in place: the process is its group's leader, so -pid is the group.
                _ = ProcessGroups.Signal(process.Id, 9);
            }

            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }
}
