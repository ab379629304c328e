using System.Collections.Concurrent;
using Flotilla.Execution;
using Flotilla.Planning;

namespace Flotilla.Execution.Tests.Doubles;

/// <summary>
/// A step executor for tests: succeeds unless a step has a script, and records when each step
/// started and ended on one logical clock (not the wall clock), and how many ran at once.
/// </summary>
internal sealed class ScriptedExecutor : IStepExecutor
{
    private readonly ConcurrentDictionary<string, Func<PlanStep, StepContext, CancellationToken, Task<StepResult>>> _scripts = new(StringComparer.Ordinal);
    private int _clock;
    private int _running;
    private int _maxRunning;

    public ConcurrentDictionary<string, int> StartedAt { get; } = new(StringComparer.Ordinal);
    public ConcurrentDictionary<string, int> FinishedAt { get; } = new(StringComparer.Ordinal);
    public ConcurrentQueue<string> Started { get; } = new();
    public int MaxRunning => Volatile.Read(ref _maxRunning);

    /// <summary>A small real delay in every unscripted step, so steps overlap.</summary>
    public TimeSpan Delay { get; init; }

    public ScriptedExecutor On(string stepId, Func<PlanStep, StepContext, CancellationToken, Task<StepResult>> script)
    {
        _scripts[stepId] = script;
        return this;
    }

    public ScriptedExecutor Ends(string stepId, StepResult result) => On(stepId, (_, _, _) => Task.FromResult(result));

    public async Task<StepResult> ExecuteAsync(PlanStep step, StepContext context, CancellationToken cancellationToken = default)
    {
        StartedAt[step.Id] = Interlocked.Increment(ref _clock);
        Started.Enqueue(step.Id);
        var running = Interlocked.Increment(ref _running);
        int max;
        while (running > (max = Volatile.Read(ref _maxRunning)) && Interlocked.CompareExchange(ref _maxRunning, running, max) != max)
        {
        }

        try
        {
            if (_scripts.TryGetValue(step.Id, out var script))
            {
                return await script(step, context, cancellationToken);
            }

            if (Delay > TimeSpan.Zero)
            {
                await Task.Delay(Delay, cancellationToken);
            }
            else
            {
                await Task.Yield();
            }

            return StepResult.Succeeded();
        }
        finally
        {
            Interlocked.Decrement(ref _running);
            FinishedAt[step.Id] = Interlocked.Increment(ref _clock);
        }
    }
}
