using System.Globalization;
using Flotilla.Execution;

namespace Flotilla.Cli.Output;

/// <summary>One host's line in a run's progress: its latest step and state, its elapsed time and the last line its running step printed. Not thread safe.</summary>
internal sealed class HostProgress(string name)
{
    private readonly HashSet<string> _running = new(StringComparer.Ordinal);
    private DateTimeOffset? _since;
    private DateTimeOffset _last;

    public string Name { get; } = name;

    public string Step { get; private set; } = "";

    public RunEventState State { get; private set; }

    public string? Message { get; private set; }

    /// <summary>The last output line of the step that runs now (null once it ended).</summary>
    public string? LastLine { get; set; }

    public bool Active => _running.Count > 0;

    public void Apply(RunEvent runEvent)
    {
        if (runEvent.State == RunEventState.Started)
        {
            _running.Add(runEvent.Step);
            _since ??= runEvent.Time;
        }
        else
        {
            _running.Remove(runEvent.Step);
        }

        // While a step of the host runs, its line shows that step rather than a skip elsewhere.
        if (runEvent.State == RunEventState.Started || _running.Count == 0)
        {
            (Step, State, Message) = (runEvent.Step, runEvent.State, runEvent.Message);
            LastLine = null;
        }

        _last = runEvent.Time;
    }

    /// <summary>The time since the host's first step started, until now while a step runs, else until its last event.</summary>
    public string Elapsed(DateTimeOffset now) => _since is { } since ? Format((Active ? now : _last) - since) : "";

    public string Word => Active ? "running" : RunProgress.Word(State);

    private static string Format(TimeSpan elapsed) => elapsed < TimeSpan.Zero
        ? "0:00"
        : elapsed.TotalHours >= 1
            ? elapsed.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture)
            : elapsed.ToString(@"m\:ss", CultureInfo.InvariantCulture);
}
