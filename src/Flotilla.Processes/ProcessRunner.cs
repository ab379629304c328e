using System.Diagnostics;
using System.Text;

namespace Flotilla.Processes;

/// <summary>The outcome of a finished program.</summary>
/// <param name="ExitCode">Its exit code (128 + the signal's number when a signal ended it).</param>
/// <param name="StandardOutput">What it printed on stdout (empty when the command did not collect it).</param>
/// <param name="StandardError">What it printed on stderr (empty when the command did not collect it).</param>
public sealed record ProcessResult(int ExitCode, string StandardOutput, string StandardError)
{
    /// <summary>Its <see cref="ProcessCommand.Timeout"/> ran out and its process group was killed.</summary>
    public bool TimedOut { get; init; }

    /// <summary>Its <see cref="ProcessCommand.Kill"/> token asked for its end and its process group was killed.</summary>
    public bool Killed { get; init; }
}

/// <summary>Which of a program's output streams a line came from.</summary>
public enum ProcessStream
{
    Output,
    Error,
}

/// <summary>A program to run: its argument list (never a shell string) and how to run it (see <see cref="ProcessRunner"/>).</summary>
public sealed record ProcessCommand(string Program, IReadOnlyList<string> Arguments)
{
    /// <summary>Variables set (or replaced) in the program's environment, which is otherwise this process's.</summary>
    public IReadOnlyDictionary<string, string>? Environment { get; init; }

    /// <summary>What the program reads on stdin, then end of input; null: end of input at once. The only way a secret should reach a program.</summary>
    public string? StandardInput { get; init; }

    /// <summary>
    /// Gets every line of both streams as it arrives, one call at a time, in the order the lines
    /// were read; the stream it came from is not read further until the call returns (a slow
    /// receiver slows the program, it does not fill memory).
    /// </summary>
    public Func<ProcessStream, string, ValueTask>? OnLine { get; init; }

    /// <summary>Whether the result carries the output (false for long-running output that <see cref="OnLine"/> passes on).</summary>
    public bool Collect { get; init; } = true;

    /// <summary>How long the program may run before its process group is killed and the result says <see cref="ProcessResult.TimedOut"/>; null: no limit.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>
    /// Kills the program's process group when cancelled, and the run returns with
    /// <see cref="ProcessResult.Killed"/> (a cancelled run throws instead): for a program that
    /// someone may stop and whose end is reported either way (an agent's command).
    /// </summary>
    public CancellationToken Kill { get; init; }

    /// <summary>The clock of the timeout and of the wait for a finished program's pipes.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;
}

/// <summary>
/// The one way Flotilla runs a program and waits for it. Argument lists only (the program and its
/// arguments reach it unchanged). The program runs in a process group of its own (started through
/// setsid, which execs in place, so its pid is its group's id): a timeout or a cancellation kills
/// the group, which takes every process it started, also those its parent no longer waits for.
/// The run is over when the program exits: processes it left behind get a moment to close the
/// output pipes they inherited and are then no longer listened to (nor killed: what means to
/// outlive its starter starts a session of its own, as daemons and the watchdog do). Thread safe.
/// </summary>
public static class ProcessRunner
{
    /// <summary>How long a finished program's pipes may stay open and quiet (held by what it left behind) before the run stops reading them.</summary>
    private static readonly TimeSpan PipeGrace = TimeSpan.FromSeconds(1);

    private static readonly Lazy<string?> SetsidPath = new(() => OperatingSystem.IsLinux() ? Find("setsid") : null);

    public static Task<ProcessResult> RunAsync(
        string program,
        IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string>? environment = null,
        CancellationToken cancellationToken = default) =>
        RunAsync(program, arguments, environment, standardInput: null, onLine: null, cancellationToken);

    /// <summary>
    /// Runs a program, writes <paramref name="standardInput"/> to its stdin (then closes it) and
    /// reports every line it prints, stdout and stderr alike, to <paramref name="onLine"/> as it arrives.
    /// </summary>
    public static Task<ProcessResult> RunAsync(
        string program,
        IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string>? environment,
        string? standardInput,
        Action<string>? onLine,
        CancellationToken cancellationToken = default) =>
        RunAsync(
            new ProcessCommand(program, [.. arguments])
            {
                Environment = environment,
                StandardInput = standardInput,
                OnLine = onLine is null ? null : (_, line) =>
                {
                    onLine(line);
                    return ValueTask.CompletedTask;
                },
            },
            cancellationToken);

    /// <summary>
    /// Runs <paramref name="command"/> to its end. A cancelled run kills the program's process
    /// group and throws <see cref="OperationCanceledException"/>; a run past its timeout, or whose
    /// <see cref="ProcessCommand.Kill"/> token is cancelled, kills the group and returns saying so. A program that cannot be started
    /// throws <see cref="System.ComponentModel.Win32Exception"/>.
    /// </summary>
    public static async Task<ProcessResult> RunAsync(ProcessCommand command, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentException.ThrowIfNullOrEmpty(command.Program);
        var setsid = SetsidPath.Value;
        var startInfo = new ProcessStartInfo(setsid ?? command.Program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        if (setsid is not null)
        {
            // Found here, as Process.Start would (setsid would search the program's own PATH and
            // could only say so in its exit code): a missing program is an error to start.
            startInfo.ArgumentList.Add(Resolve(command.Program));
        }

        foreach (var argument in command.Arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in command.Environment ?? new Dictionary<string, string>())
        {
            startInfo.Environment[name] = value;
        }

        // The timer first: it can kill whatever starts.
        using var timer = command.Timeout is { } timeout ? new CancellationTokenSource(timeout, command.Time) : new CancellationTokenSource();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(timer.Token, command.Kill, cancellationToken);
        using var stopReading = new CancellationTokenSource();
        using var process = new Process { StartInfo = startInfo };
        process.Start();

        var progress = new ReadProgress(command.Time);
        var stdout = ReadAsync(process.StandardOutput, ProcessStream.Output, command, progress, stopReading.Token);
        var stderr = ReadAsync(process.StandardError, ProcessStream.Error, command, progress, stopReading.Token);
        // Written beside the readers: a program that prints before it has read all its input must not stall.
        var feed = FeedAsync(process.StandardInput, command.StandardInput);
        var stopped = false;
        try
        {
            await process.WaitForExitAsync(stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            stopped = true;
            KillGroup(process, ownGroup: setsid is not null);
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        }

        var readers = Task.WhenAll(stdout, stderr, feed);
        // Output still buffered, or a receiver still busy with a line, is read to its end; pipes
        // that stay open and quiet for the grace are held by what the program left behind.
        while (await Task.WhenAny(readers, Task.Delay(PipeGrace, command.Time)).ConfigureAwait(false) != readers)
        {
            if (progress.QuietFor(PipeGrace))
            {
                await stopReading.CancelAsync().ConfigureAwait(false);
                break;
            }
        }

        var (output, error) = (await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
        await feed.ConfigureAwait(false);
        if (stopped && cancellationToken.IsCancellationRequested && !timer.IsCancellationRequested && !command.Kill.IsCancellationRequested)
        {
            cancellationToken.ThrowIfCancellationRequested();
        }

        return new ProcessResult(process.ExitCode, output, error)
        {
            Killed = stopped && command.Kill.IsCancellationRequested,
            TimedOut = stopped && !command.Kill.IsCancellationRequested && timer.IsCancellationRequested,
        };
    }

    /// <summary>When the readers last got something, and whether a line is with its receiver now. Thread safe.</summary>
    private sealed class ReadProgress(TimeProvider time)
    {
        private long _last = time.GetTimestamp();
        private int _receiving;

        /// <summary>One line is handed on at a time, in the order read.</summary>
        public SemaphoreSlim HandOver { get; } = new(1, 1);

        public void Read() => Interlocked.Exchange(ref _last, time.GetTimestamp());

        public void Receiving(bool receiving)
        {
            Interlocked.Add(ref _receiving, receiving ? 1 : -1);
            Read();
        }

        public bool QuietFor(TimeSpan grace) => Volatile.Read(ref _receiving) == 0 && time.GetElapsedTime(Interlocked.Read(ref _last)) >= grace;
    }

    private static async Task<string> ReadAsync(StreamReader reader, ProcessStream stream, ProcessCommand command, ReadProgress progress, CancellationToken stopReading)
    {
        var text = command.Collect ? new StringBuilder() : null;
        try
        {
            if (command.OnLine is null)
            {
                // Collected as printed, to the byte (a last line without its newline stays so).
                var buffer = new char[4096];
                int read;
                while ((read = await reader.ReadAsync(buffer, stopReading).ConfigureAwait(false)) > 0)
                {
                    progress.Read();
                    text?.Append(buffer, 0, read);
                }

                return text?.ToString() ?? "";
            }

            while (await reader.ReadLineAsync(stopReading).ConfigureAwait(false) is { } line)
            {
                progress.Read();
                text?.Append(line).Append('\n');
                if (command.OnLine is { } onLine)
                {
                    progress.Receiving(true);
                    await progress.HandOver.WaitAsync(CancellationToken.None).ConfigureAwait(false);
                    try
                    {
                        await onLine(stream, line).ConfigureAwait(false);
                    }
                    finally
                    {
                        progress.HandOver.Release();
                        progress.Receiving(false);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stopReading.IsCancellationRequested)
        {
            // The program ended and what it left behind still holds the pipe: its output is not the program's.
        }

        return text?.ToString() ?? "";
    }

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
            // The program ended (or closed its input) before reading all of it; its exit code tells why.
        }
        finally
        {
            try
            {
                writer.Close();
            }
            catch (IOException)
            {
                // Closing flushes nothing more to a program that is gone.
            }
        }
    }

    private static void KillGroup(Process process, bool ownGroup)
    {
        try
        {
            if (ownGroup)
            {
                // setsid exec'd in place: the program leads its group, so its pid is the group's id.
                _ = ProcessGroups.Signal(process.Id, ProcessSignal.Kill);
            }

            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It ended already.
        }
    }

    private static string Resolve(string program)
    {
        var path = program.Contains('/', StringComparison.Ordinal) ? program : Find(program);
        return path is not null && File.Exists(path)
            ? path
            : throw new System.ComponentModel.Win32Exception(2, $"An error occurred trying to start process '{program}' with working directory '{Environment.CurrentDirectory}'. No such file or directory");
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
