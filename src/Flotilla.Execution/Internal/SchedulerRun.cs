using Flotilla.Inventory;
using Flotilla.Planning;

namespace Flotilla.Execution.Internal;

/// <summary>
/// One execution of a plan (see <see cref="RunScheduler"/> for the rules). All state belongs to
/// the loop in <see cref="RunAsync"/>; executors run on the thread pool and only hand back results.
/// Events are recorded in memory and committed to the journal in groups (one fsync per group):
/// before any executor is called for the steps they start, and after every round of completions.
/// Journal writes never take the run's token: a cancelled run still records how it ended.
/// </summary>
internal sealed class SchedulerRun
{
    private readonly PlanStep[] _steps;
    private readonly StepState[] _states;
    private readonly string?[] _messages;
    private readonly bool?[] _changed;
    private readonly string?[] _closures;
    private readonly bool?[] _superseded;
    private readonly DateTimeOffset?[] _started;
    private readonly DateTimeOffset?[] _finished;
    private readonly List<int>[] _dependents;
    private readonly int[] _waiting;
    private readonly SortedSet<int> _ready = [];
    private readonly Dictionary<Task<StepResult>, int> _running = [];
    private readonly List<RunEvent> _uncommitted = [];
    private readonly Fleet _fleet;
    private readonly IStepExecutor _executor;
    private readonly SchedulerOptions _options;
    private readonly RunJournal _journal;
    private readonly TimeProvider _time;
    private readonly RunOutput _output;
    private readonly BatchGates _batches;
    private string? _stopReason;

    public SchedulerRun(Plan plan, Fleet fleet, IStepExecutor executor, SchedulerOptions options, RunJournal journal, IRunObserver? observer, TimeProvider time)
    {
        _steps = [.. plan.Steps];
        _fleet = fleet;
        _executor = executor;
        _options = options;
        _journal = journal;
        _time = time;
        _output = new RunOutput(journal, observer, time);
        _batches = new BatchGates(plan.Steps, fleet, options.BatchSize, options.MaxFailPercent);
        var n = _steps.Length;
        _states = new StepState[n];
        _messages = new string?[n];
        _changed = new bool?[n];
        _closures = new string?[n];
        _superseded = new bool?[n];
        _started = new DateTimeOffset?[n];
        _finished = new DateTimeOffset?[n];
        _dependents = new List<int>[n];
        _waiting = new int[n];
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < n; i++)
        {
            index[_steps[i].Id] = i;
            _dependents[i] = [];
            if (options.CompletedSteps.Contains(_steps[i].Id))
            {
                _states[i] = StepState.Succeeded;
                _messages[i] = "done in an earlier run";
            }
        }

        for (var i = 0; i < n; i++)
        {
            foreach (var dependency in _steps[i].DependsOn)
            {
                if (index.TryGetValue(dependency, out var d))
                {
                    _dependents[d].Add(i);
                    _waiting[i] += _states[d] == StepState.Succeeded ? 0 : 1;
                }
            }

            if (_states[i] == StepState.Pending && _waiting[i] == 0)
            {
                _ready.Add(i);
            }
        }
    }

    public async Task<RunSummary> RunAsync(CancellationToken cancellationToken)
    {
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var registration = cancellationToken.Register(() => cancelled.TrySetResult()).ConfigureAwait(false);
        await _journal.ReopenAsync().ConfigureAwait(false);
        while (true)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                _stopReason = "cancelled";
            }

            if (_stopReason is null)
            {
                await StartReadyAsync(cancellationToken).ConfigureAwait(false);
            }

            if (_running.Count == 0)
            {
                break;
            }

            var waitFor = new List<Task>(_running.Keys);
            if (!cancellationToken.IsCancellationRequested)
            {
                waitFor.Add(cancelled.Task);
            }

            await Task.WhenAny(waitFor).ConfigureAwait(false);
            foreach (var (done, i) in _running.Where(r => r.Key.IsCompleted).OrderBy(r => r.Value).ToList())
            {
                _running.Remove(done);
                Complete(i, await done.ConfigureAwait(false));
            }

            await CommitAsync().ConfigureAwait(false);
        }

        Skip(Pending(), _stopReason ?? "not run: a step it needs never ended");
        await CommitAsync().ConfigureAwait(false);
        var summary = new RunSummary(
            _journal.Id,
            [.. _steps.Select((s, i) => new StepOutcome(s.Id, s.Host, s.Kind, _states[i], _messages[i], _started[i], _finished[i], _changed[i], _closures[i], _superseded[i]))],
            cancellationToken.IsCancellationRequested);
        await _journal.FinishAsync(new RunResult(_time.GetUtcNow(), summary.ExitCode), CancellationToken.None).ConfigureAwait(false);
        _output.Finished(summary);
        return summary;
    }

    /// <summary>Marks what can start as started, commits those events to disk, and only then calls the executors.</summary>
    private async Task StartReadyAsync(CancellationToken cancellationToken)
    {
        var starting = new List<int>();
        while (NextStartable(starting.Count) is { } i)
        {
            _ready.Remove(i);
            Record(i, StepState.Running, null);
            if (_steps[i].Kind == StepKind.Gate)
            {
                Complete(i, StepResult.Succeeded());
            }
            else
            {
                starting.Add(i);
            }
        }

        await CommitAsync().ConfigureAwait(false);
        foreach (var i in starting)
        {
            _running.Add(ExecuteAsync(_steps[i], cancellationToken), i);
        }
    }

    private int? NextStartable(int starting)
    {
        foreach (var i in _ready)
        {
            if (_steps[i].Kind == StepKind.Gate)
            {
                return i;
            }

            if (_running.Count + starting < _options.Parallel && _batches.MayStart(i, _states))
            {
                return i;
            }
        }

        return null;
    }

    private async Task<StepResult> ExecuteAsync(PlanStep step, CancellationToken cancellationToken)
    {
        try
        {
            var context = new StepContext(_fleet, step.Host is null ? null : _fleet.FindHost(step.Host), _output);
            var result = await Task.Run(() => _executor.ExecuteAsync(step, context, cancellationToken), CancellationToken.None).ConfigureAwait(false);
            return result ?? StepResult.Failed("the step executor returned no result");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return StepResult.Failed("cancelled");
        }
#pragma warning disable CA1031 // an executor's bug fails its step, not the whole run and its journal
        catch (Exception e)
#pragma warning restore CA1031
        {
            return StepResult.Failed($"the step executor threw {e.GetType().Name}: {e.Message}");
        }
    }

    private void Complete(int i, StepResult result)
    {
        var step = _steps[i];
        var state = result.State;
        var message = result.Message;
        if (state is StepState.Pending or StepState.Running)
        {
            (state, message) = (StepState.Failed, $"the step executor ended the step as {result.State}: {result.Message}");
        }

        Record(i, state, message, result.Changed, result.Closure, result.Superseded);
        if (state == StepState.Succeeded)
        {
            foreach (var d in _dependents[i])
            {
                if (--_waiting[d] == 0 && _states[d] == StepState.Pending)
                {
                    _ready.Add(d);
                }
            }

            return;
        }

        var who = step.Host ?? step.Id;
        var verb = state == StepState.Skipped ? "was skipped" : "failed";
        Skip(DependentsOf([i]), $"holds back: {who} {verb} at {step.Id}");
        if (state == StepState.Skipped)
        {
            return;
        }

        if (_options.FailFast)
        {
            _stopReason ??= "fail-fast";
        }

        if (step.Host is not null)
        {
            var (hosts, reason) = _batches.RecordFailure(step.Host, _states);
            var stopped = hosts.SelectMany(_batches.StepsOf).Where(s => _states[s] == StepState.Pending).ToList();
            Skip(stopped.Concat(DependentsOf(stopped)), reason);
        }
    }

    /// <summary>The pending steps that wait, directly or not, for any of <paramref name="steps"/>.</summary>
    private SortedSet<int> DependentsOf(IEnumerable<int> steps)
    {
        var found = new SortedSet<int>();
        var stack = new Stack<int>(steps);
        while (stack.TryPop(out var s))
        {
            foreach (var d in _dependents[s])
            {
                if (_states[d] == StepState.Pending && found.Add(d))
                {
                    stack.Push(d);
                }
            }
        }

        return found;
    }

    private IEnumerable<int> Pending() => Enumerable.Range(0, _steps.Length).Where(i => _states[i] == StepState.Pending).ToList();

    /// <summary>Skips the steps still pending among <paramref name="steps"/>, in plan order.</summary>
    private void Skip(IEnumerable<int> steps, string reason)
    {
        foreach (var i in steps.Distinct().Order().ToList())
        {
            if (_states[i] == StepState.Pending)
            {
                _ready.Remove(i);
                Record(i, StepState.Skipped, reason);
            }
        }
    }

    private void Record(int i, StepState state, string? message, bool? changed = null, string? closure = null, bool? superseded = null)
    {
        var now = _time.GetUtcNow();
        _states[i] = state;
        _messages[i] = message;
        _changed[i] = changed;
        _closures[i] = closure;
        _superseded[i] = superseded;
        if (state == StepState.Running)
        {
            _started[i] = now;
        }
        else
        {
            _finished[i] = now;
        }

        var step = _steps[i];
        _uncommitted.Add(new RunEvent(now, step.Host, step.Id, step.Kind, RunEvent.ToEventState(state), message, changed, closure, superseded));
    }

    /// <summary>Writes the recorded events to the journal with one fsync (a group commit), then shows them to the observer.</summary>
    private async Task CommitAsync()
    {
        if (_uncommitted.Count == 0)
        {
            return;
        }

        var events = _uncommitted.ToList();
        _uncommitted.Clear();
        await _journal.AppendAsync(events, CancellationToken.None).ConfigureAwait(false);
        foreach (var runEvent in events)
        {
            _output.Event(runEvent);
        }
    }
}
