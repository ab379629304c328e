using System.Globalization;
using System.Text;
using Flotilla.Execution;
using Flotilla.Planning;

namespace Flotilla.Cli.Output;

/// <summary>
/// What a person's view of a run keeps, live or plain: each host's line, the last
/// <see cref="TailLines"/> output lines of every running step, and what each failure said. Thread
/// safe: the scheduler reports from several threads while the live view draws from its own.
/// </summary>
internal sealed class RunProgress(Func<string?, string>? logPathOf)
{
    public const int TailLines = 20;
    private const string FleetName = "(fleet)";

    private readonly Lock _lock = new();
    private readonly List<HostProgress> _hosts = [];
    private readonly OutputTail _tail = new(TailLines);
    private readonly List<string> _failures = [];

    /// <summary>Records an event; returns the host's line and, for a failure, what to print about it (the message, the step's last lines, the log).</summary>
    public (string Host, string? Failure) Apply(RunEvent runEvent)
    {
        ArgumentNullException.ThrowIfNull(runEvent);
        lock (_lock)
        {
            var host = HostOf(runEvent.Host ?? FleetName);
            host.Apply(runEvent);
            string? failure = null;
            if (runEvent.State is RunEventState.Failed or RunEventState.RolledBack or RunEventState.NeedsAttention)
            {
                failure = FailureText(runEvent);
                _failures.Add(failure);
            }

            if (runEvent.State != RunEventState.Started)
            {
                _tail.Forget(runEvent.Step);
            }

            return (host.Name, failure);
        }
    }

    public void Output(PlanStep step, string line)
    {
        ArgumentNullException.ThrowIfNull(step);
        lock (_lock)
        {
            _tail.Add(step.Id, line);
            if (_hosts.Find(h => h.Name == (step.Host ?? FleetName)) is { Active: true } host)
            {
                host.LastLine = line;
            }
        }
    }

    /// <summary>Reads the hosts' lines and the failures so far, with no event applied meanwhile.</summary>
    public T Read<T>(Func<IReadOnlyList<HostProgress>, IReadOnlyList<string>, T> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        lock (_lock)
        {
            return read(_hosts, _failures);
        }
    }

    /// <summary>The run's closing line, and one line per host that needs attention.</summary>
    public static string SummaryText(RunSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        var c = summary.Counts;
        var text = new StringBuilder(string.Create(CultureInfo.InvariantCulture, $"run {summary.RunId}: {c.Succeeded} succeeded, {c.Failed} failed, {c.RolledBack} rolled back, {c.NeedsAttention} need attention, {c.Skipped} skipped{(summary.Cancelled ? " (cancelled)" : "")}\n"));
        foreach (var step in summary.Steps.Where(s => s.State == StepState.NeedsAttention))
        {
            text.Append(CultureInfo.InvariantCulture, $"  {step.Host ?? step.Id} needs attention: {step.Message}\n");
        }

        return text.ToString();
    }

    public static string Word(RunEventState state) => state switch
    {
        RunEventState.Started => "started",
        RunEventState.Succeeded => "succeeded",
        RunEventState.Failed => "failed",
        RunEventState.Skipped => "skipped",
        RunEventState.RolledBack => "rolled back",
        _ => "needs attention",
    };

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

    private string FailureText(RunEvent runEvent)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{runEvent.Host ?? FleetName}: {runEvent.Step} {Word(runEvent.State)}: {runEvent.Message}\n");
        foreach (var line in _tail.Of(runEvent.Step))
        {
            text.Append("    | ").Append(line).Append('\n');
        }

        if (logPathOf is { } logPath)
        {
            text.Append("    full log: ").Append(logPath(runEvent.Host)).Append('\n');
        }

        return text.ToString();
    }
}
