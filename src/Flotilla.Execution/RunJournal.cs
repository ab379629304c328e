using System.Collections.Immutable;
using System.Text.Json;
using Flotilla.Execution.Internal;
using Flotilla.Planning;

namespace Flotilla.Execution;

/// <summary>
/// The record of one run, in <c>STATE/runs/ID/</c>: <c>plan.json</c> (as <c>flotilla plan --format
/// json</c> writes it), <c>run.json</c> (<see cref="RunInfo"/>), <c>events.jsonl</c> (every
/// <see cref="RunEvent"/>, one per line, fsync'd as they are appended and before the steps they
/// start run, so a SIGKILL loses nothing written), <c>logs/HOST.log</c> (every output line, time-prefixed) and, once the
/// run ends, <c>result.json</c> (<see cref="RunResult"/>). <see cref="Steps"/> is the state of every
/// step, the last event winning. Thread safe.
/// </summary>
public sealed partial class RunJournal : IAsyncDisposable
{
    public const string PlanFile = "plan.json";
    public const string RunFile = "run.json";
    public const string EventsFile = "events.jsonl";
    public const string ResultFile = "result.json";
    public const string LogsDirectory = "logs";

    private readonly SemaphoreSlim _appending = new(1, 1);
    private readonly Lock _lock = new();
    private readonly Dictionary<string, int> _index;
    private readonly JournaledStep[] _steps;
    private readonly EventLog _events;
    private readonly HostLogs _logs;
    private RunResult? _result;

    private RunJournal(string directory, RunInfo info, Plan plan, RunResult? result)
    {
        RunDirectory = directory;
        Info = info;
        Plan = plan;
        _result = result;
        _index = new Dictionary<string, int>(StringComparer.Ordinal);
        _steps = new JournaledStep[plan.Steps.Length];
        for (var i = 0; i < _steps.Length; i++)
        {
            _index[plan.Steps[i].Id] = i;
            _steps[i] = new JournaledStep(plan.Steps[i].Id, StepState.Pending, null, null, null);
        }

        _events = new EventLog(Path.Combine(directory, EventsFile));
        _logs = new HostLogs(Path.Combine(directory, LogsDirectory));
    }

    public string Id => Info.Id;

    public string RunDirectory { get; }

    public RunInfo Info { get; }

    public Plan Plan { get; }

    /// <summary>How the run ended; null while it runs or when it was killed.</summary>
    public RunResult? Result
    {
        get
        {
            lock (_lock)
            {
                return _result;
            }
        }
    }

    /// <summary>Every step of the plan, in plan order, as the last event left it.</summary>
    public ImmutableArray<JournaledStep> Steps
    {
        get
        {
            lock (_lock)
            {
                return [.. _steps];
            }
        }
    }

    /// <summary>Where the output of a host's steps goes (<paramref name="host"/> null: steps of no host).</summary>
    public string LogPath(string? host) => _logs.PathOf(host);

    /// <summary>Appends an event and forces it to disk before returning.</summary>
    public Task AppendAsync(RunEvent runEvent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runEvent);
        return AppendAsync([runEvent], cancellationToken);
    }

    /// <summary>Appends events in order and forces them to disk (once) before returning.</summary>
    public async Task AppendAsync(IReadOnlyList<RunEvent> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0)
        {
            return;
        }

        await _appending.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _events.AppendAsync(events, cancellationToken).ConfigureAwait(false);
            foreach (var runEvent in events)
            {
                Apply(runEvent);
            }
        }
        finally
        {
            _appending.Release();
        }
    }

    /// <summary>Appends one output line to the host's log (synchronous, as <see cref="IStepOutput.Line"/> is).</summary>
    public void WriteOutput(string? host, string stepId, DateTimeOffset time, string line) => _logs.Write(host, time, stepId, line);

    /// <summary>A resumed run is unfinished again.</summary>
    internal Task ReopenAsync()
    {
        lock (_lock)
        {
            _result = null;
        }

        File.Delete(Path.Combine(RunDirectory, ResultFile));
        return Task.CompletedTask;
    }

    /// <summary>
    /// Ends a run whose orchestrator stopped while it ran (killed, or the server that hosted it
    /// stopped): each step that was running fails saying <paramref name="reason"/>, each step never
    /// started is skipped, and the run gets its result (failed). Events are appended; nothing the
    /// journal holds is rewritten, and <c>deploy --resume</c> still continues it. A finished run
    /// is left as it is (false).
    /// </summary>
    public async Task<bool> EndInterruptedAsync(string reason, TimeProvider? timeProvider = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(reason);
        if (Result is not null)
        {
            return false;
        }

        var now = (timeProvider ?? TimeProvider.System).GetUtcNow();
        var steps = Steps;
        var events = new List<RunEvent>();
        foreach (var step in Plan.Steps)
        {
            var state = steps[_index[step.Id]].State;
            if (state is StepState.Running or StepState.Pending)
            {
                events.Add(new RunEvent(now, step.Host, step.Id, step.Kind, state == StepState.Running ? RunEventState.Failed : RunEventState.Skipped, state == StepState.Running ? "interrupted: " + reason : "not run: " + reason));
            }
        }

        await AppendAsync(events, cancellationToken).ConfigureAwait(false);
        await FinishAsync(new RunResult(now, RunExitCodes.Failed), cancellationToken).ConfigureAwait(false);
        return true;
    }

    internal async Task FinishAsync(RunResult result, CancellationToken cancellationToken)
    {
        _logs.Sync();
        await DurableFile.WriteAllTextAsync(Path.Combine(RunDirectory, ResultFile), JsonSerializer.Serialize(result, RunJsonContext.Default.RunResult) + "\n", cancellationToken).ConfigureAwait(false);
        lock (_lock)
        {
            _result = result;
        }
    }

    public ValueTask DisposeAsync()
    {
        _events.Dispose();
        _logs.Dispose();
        _appending.Dispose();
        return ValueTask.CompletedTask;
    }

    private void Apply(RunEvent runEvent)
    {
        lock (_lock)
        {
            if (!_index.TryGetValue(runEvent.Step, out var i))
            {
                return;
            }

            var step = _steps[i];
            var state = runEvent.StepState;
            _steps[i] = state == StepState.Running
                ? step with { State = state, Message = runEvent.Message, Started = runEvent.Time, Finished = null, Changed = null, Closure = null, Superseded = null }
                : step with { State = state, Message = runEvent.Message, Finished = runEvent.Time, Changed = runEvent.Changed, Closure = runEvent.Closure, Superseded = runEvent.Superseded };
        }
    }
}
