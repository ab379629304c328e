namespace Flotilla.Execution.Tests.Doubles;

/// <summary>
/// The tests' clocks: <see cref="FakeTimeProvider"/>s starting at Sunday 2026-11-22 14:30:05 UTC,
/// the instant expected messages and run ids name. They move only when a test advances them, and
/// so do their timers and <c>Task.Delay(..., clock)</c>: code that waits on one needs
/// <see cref="AdvanceUntilAsync"/>.
/// </summary>
internal static class TestClock
{
    public static readonly DateTimeOffset Start = new(2026, 11, 22, 14, 30, 5, TimeSpan.Zero);

    public static FakeTimeProvider AtStart() => new(Start);

    /// <summary>
    /// Advances <paramref name="clock"/> by <paramref name="step"/> until <paramref name="task"/>
    /// ends, giving the code each step woke a moment of real time to run (and wait on the clock
    /// again); fails the test after <paramref name="steps"/> steps.
    /// </summary>
    public static async Task<T> AdvanceUntilAsync<T>(this FakeTimeProvider clock, Task<T> task, TimeSpan step, int steps = 1000)
    {
        for (var i = 0; i < steps && !task.IsCompleted; i++)
        {
            clock.Advance(step);
            await Task.WhenAny(task, Task.Delay(10));
        }

        Assert.True(task.IsCompleted, $"still waiting after the clock moved {steps} times {step.TotalMilliseconds} ms");
        return await task;
    }
}
