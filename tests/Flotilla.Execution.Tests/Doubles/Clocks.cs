using Microsoft.Extensions.Time.Testing;

namespace Flotilla.Execution.Tests.Doubles;

/// <summary>The tests' clocks: <see cref="FakeTimeProvider"/>s that start on a known Sunday afternoon (the maintenance-window and journal tests read dates from it).</summary>
internal static class Clocks
{
    public static readonly DateTimeOffset Start = new(2026, 11, 22, 14, 30, 5, TimeSpan.Zero);

    public static FakeTimeProvider New() => new(Start);
}
