using System.Globalization;
using System.Text;
using Flotilla.Execution.Internal;
using Flotilla.Planning;

namespace Flotilla.Execution;

/// <summary>
/// Progress for a person. Interactive (a terminal): one line per host with its current step, its
/// state and the time since the host started, redrawn in place with ANSI cursor movement (call
/// <see cref="Refresh"/> on a timer to keep the times moving). Otherwise: one line per state change.
/// Either way, a failure prints the step's message and the last <see cref="TailLines"/> lines of its
/// output, and the end prints the counts. Thread safe.
/// </summary>
public sealed class ConsoleProgressObserver(TextWriter writer, bool interactive, TimeProvider? timeProvider = null) : IRunObserver
{
    public const int TailLines = 20;
    private const string FleetName = "(fleet)";

    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;
    private readonly Lock _lock = new();
    private readonly List<HostProgress> _hosts = [];
    private readonly OutputTail _tail = new(TailLines);
    private int _drawn;

    /// <summary>The log file of a host (null: fleet-wide steps), named under a failure; null prints none.</summary>
    public Func<string?, string>? LogPathOf { get; init; }

    /// <summary>The terminal's width: live host lines are cut to it, since a wrapped line would break the redraw. Null: not cut.</summary>
    public int? Width { get; init; }

    public void OnEvent(RunEvent runEvent)
    {
        ArgumentNullException.ThrowIfNull(runEvent);
        lock (_lock)
        {
            var host = HostOf(runEvent.Host ?? FleetName);
            host.Apply(runEvent);
            var failure = runEvent.State is RunEventState.Failed or RunEventState.RolledBack or RunEventState.NeedsAttention;
            if (interactive)
            {
                if (failure)
                {
                    Erase();
                    WriteFailure(runEvent);
                }

                Draw();
            }
            else
            {
                var message = runEvent.Message is null || failure ? "" : ": " + runEvent.Message;
                writer.Write($"{runEvent.Time.UtcDateTime:HH:mm:ss} {host.Name} {runEvent.Step} {Word(runEvent.State)}{message}\n");
                if (failure)
                {
                    WriteFailure(runEvent);
                }
            }

            if (runEvent.State != RunEventState.Started)
            {
                _tail.Forget(runEvent.Step);
            }

            writer.Flush();
        }
    }

    public void OnOutput(PlanStep step, string line)
    {
        ArgumentNullException.ThrowIfNull(step);
        lock (_lock)
        {
            _tail.Add(step.Id, line);
        }
    }

    public void OnFinished(RunSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        lock (_lock)
        {
            if (interactive)
            {
                Draw();
            }

            var c = summary.Counts;
            writer.Write(string.Create(CultureInfo.InvariantCulture, $"run {summary.RunId}: {c.Succeeded} succeeded, {c.Failed} failed, {c.RolledBack} rolled back, {c.NeedsAttention} need attention, {c.Skipped} skipped{(summary.Cancelled ? " (cancelled)" : "")}\n"));
            foreach (var step in summary.Steps.Where(s => s.State == StepState.NeedsAttention))
            {
                writer.Write($"  {step.Host ?? step.Id} needs attention: {step.Message}\n");
            }

            writer.Flush();
        }
    }

    /// <summary>Redraws the host lines (interactive mode) so elapsed times move while steps run.</summary>
    public void Refresh()
    {
        lock (_lock)
        {
            if (interactive)
            {
                Draw();
                writer.Flush();
            }
        }
    }

    private HostProgress HostOf(string name)
    {
        var host = _hosts.Find(h => h.Name == name);
        if (host is null)
        {
            host = new HostProgress(name);
            _hosts.Add(host);
        }

        return host;
    }

    private void WriteFailure(RunEvent runEvent)
    {
        var text = new StringBuilder();
        text.Append($"{runEvent.Host ?? FleetName}: {runEvent.Step} {Word(runEvent.State)}: {runEvent.Message}\n");
        foreach (var line in _tail.Of(runEvent.Step))
        {
            text.Append("    | ").Append(line).Append('\n');
        }

        if (LogPathOf is { } logPath)
        {
            text.Append("    full log: ").Append(logPath(runEvent.Host)).Append('\n');
        }

        writer.Write(text.ToString());
    }

    private void Erase()
    {
        if (_drawn > 0)
        {
            writer.Write(string.Create(CultureInfo.InvariantCulture, $"\u001b[{_drawn}A\r\u001b[J"));
            _drawn = 0;
        }
    }

    private void Draw()
    {
        var now = _time.GetUtcNow();
        var width = _hosts.Max(h => h.Name.Length);
        var text = new StringBuilder();
        if (_drawn > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"\u001b[{_drawn}A");
        }

        foreach (var host in _hosts)
        {
            var line = host.Name.PadRight(width) + "  " + host.Describe(now);
            text.Append("\r\u001b[2K").Append(Width is { } columns && line.Length >= columns ? line[..Math.Max(0, columns - 1)] : line).Append('\n');
        }

        writer.Write(text.ToString());
        _drawn = _hosts.Count;
    }

    internal static string Word(RunEventState state) => state switch
    {
        RunEventState.Started => "started",
        RunEventState.Succeeded => "succeeded",
        RunEventState.Failed => "failed",
        RunEventState.Skipped => "skipped",
        RunEventState.RolledBack => "rolled back",
        _ => "needs attention",
    };
}
