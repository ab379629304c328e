using Flotilla.Planning;

namespace Flotilla.Execution.Tests;

public sealed class EventTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 22, 16, 30, 5, 123, TimeSpan.FromHours(2));

    [Fact]
    public void An_event_is_one_json_line_in_the_issue_shape_with_the_time_in_utc()
    {
        var runEvent = new RunEvent(At, "web01", "activate:web01", StepKind.Activate, RunEventState.RolledBack, "health check failed");

        Assert.Equal(
            """{"time":"2026-11-22T14:30:05.123Z","host":"web01","step":"activate:web01","kind":"activate","state":"rolled-back","message":"health check failed"}""",
            runEvent.ToJsonLine());
    }

    [Theory]
    [InlineData(RunEventState.Started, "started")]
    [InlineData(RunEventState.Succeeded, "succeeded")]
    [InlineData(RunEventState.Failed, "failed")]
    [InlineData(RunEventState.Skipped, "skipped")]
    [InlineData(RunEventState.RolledBack, "rolled-back")]
    [InlineData(RunEventState.NeedsAttention, "needs-attention")]
    public void States_are_written_as_the_issue_names_them(RunEventState state, string name)
    {
        var line = new RunEvent(At, null, "gate:core", StepKind.Gate, state, null).ToJsonLine();

        Assert.Contains($"\"state\":\"{name}\"", line, StringComparison.Ordinal);
        Assert.Contains("\"host\":null", line, StringComparison.Ordinal);
    }

    [Fact]
    public void A_line_reads_back_into_the_same_event()
    {
        var runEvent = new RunEvent(At.ToUniversalTime(), "web01", "verify:web01", StepKind.Verify, RunEventState.Failed, "tcp 443: refused \"quoted\"\nsecond line");

        Assert.True(RunEvent.TryParse(runEvent.ToJsonLine(), out var read));
        Assert.Equal(runEvent, read);
    }

    [Theory]
    [InlineData("")]
    [InlineData("{\"time\":\"2026-11-22T14:30:05.123Z\",\"host\":\"web01\",\"st")]
    [InlineData("not json")]
    [InlineData("{}")]
    public void A_torn_or_foreign_line_does_not_read(string line)
    {
        Assert.False(RunEvent.TryParse(line, out _));
    }

    [Fact]
    public void The_json_observer_writes_one_line_per_event()
    {
        using var writer = new StringWriter();
        var observer = new JsonLinesObserver(writer);

        observer.OnEvent(new RunEvent(At, "a", "build:a", StepKind.Build, RunEventState.Started, null));
        observer.OnEvent(new RunEvent(At, "a", "build:a", StepKind.Build, RunEventState.Succeeded, null));

        var lines = writer.ToString().Split('\n');
        Assert.Equal(3, lines.Length);
        Assert.Equal("", lines[2]);
        Assert.All(lines[..2], l => Assert.True(RunEvent.TryParse(l, out _)));
    }
}
