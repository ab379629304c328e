using System.Globalization;

namespace Flotilla.Execution.Internal;

/// <summary>One host's line in the live progress: its latest step and state, and its elapsed time. Not thread safe.</summary>
internal sealed class HostProgress(string name)
{
    private readonly HashSet<string> _running = new(StringComparer.Ordinal);
    private DateTimeOffset? _since;
    private DateTimeOffset _last;
    private string _step = "";
    private RunEventState _state;
    private string? _message;

    public string Name { get; } = name;

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
            (_step, _state, _message) = (runEvent.Step, runEvent.State, runEvent.Message);
        }

        _last = runEvent.Time;
    }

    public string Describe(DateTimeOffset now)
    {
        var active = _running.Count > 0;
        var elapsed = _since is { } since ? Format((active ? now : _last) - since) : "";
        var word = active ? "running" : ConsoleProgressObserver.Word(_state);
        var detail = !active && _state == RunEventState.Skipped && _message is not null ? "  (" + _message + ")" : "";
        return $"{_step}  {word}  {elapsed}{detail}".TrimEnd();
    }

    private static string Format(TimeSpan elapsed) => elapsed < TimeSpan.Zero
        ? "0:00"
        : elapsed.TotalHours >= 1
            ? elapsed.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture)
            : elapsed.ToString(@"m\:ss", CultureInfo.InvariantCulture);
}
