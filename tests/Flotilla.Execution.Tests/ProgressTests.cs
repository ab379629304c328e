using Flotilla.Execution.Tests.Doubles;
using Flotilla.Planning;

namespace Flotilla.Execution.Tests;

public sealed class ProgressTests
{
    private static readonly PlanStep Activate = new("activate:web01", StepKinds.Activate, PlanPhases.Activate, "web01", null, []);

    [Fact]
    public void A_failure_shows_the_message_and_the_last_twenty_lines_of_the_step()
    {
        var time = new ManualTimeProvider();
        using var writer = new StringWriter();
        var observer = new ConsoleProgressObserver(writer, interactive: false, time) { LogPathOf = host => $"/state/runs/x/logs/{host}.log" };

        observer.OnEvent(new RunEvent(time.GetUtcNow(), "web01", Activate.Id, Activate.Kind, RunEventState.Started, null));
        for (var i = 1; i <= 25; i++)
        {
            observer.OnOutput(Activate, $"line {i}");
        }

        observer.OnEvent(new RunEvent(time.GetUtcNow(), "web01", Activate.Id, Activate.Kind, RunEventState.RolledBack, "nginx.service failed"));

        var text = writer.ToString();
        Assert.Contains("web01: activate:web01 rolled back: nginx.service failed", text, StringComparison.Ordinal);
        Assert.DoesNotContain("| line 5\n", text, StringComparison.Ordinal);
        Assert.Contains("| line 6\n", text, StringComparison.Ordinal);
        Assert.Contains("| line 25\n", text, StringComparison.Ordinal);
        Assert.Contains("full log: /state/runs/x/logs/web01.log", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_a_terminal_each_state_change_is_one_line()
    {
        var time = new ManualTimeProvider();
        using var writer = new StringWriter();
        var observer = new ConsoleProgressObserver(writer, interactive: false, time);

        observer.OnEvent(new RunEvent(time.GetUtcNow(), "web01", Activate.Id, Activate.Kind, RunEventState.Started, null));
        observer.OnEvent(new RunEvent(time.GetUtcNow(), "web01", Activate.Id, Activate.Kind, RunEventState.Succeeded, null));

        Assert.Equal("14:30:05 web01 activate:web01 started\n14:30:05 web01 activate:web01 succeeded\n", writer.ToString());
    }

    [Fact]
    public void On_a_terminal_each_host_keeps_one_line_redrawn_in_place_with_its_elapsed_time()
    {
        var time = new ManualTimeProvider();
        using var writer = new StringWriter();
        var observer = new ConsoleProgressObserver(writer, interactive: true, time);

        observer.OnEvent(new RunEvent(time.GetUtcNow(), "web01", Activate.Id, Activate.Kind, RunEventState.Started, null));
        observer.OnEvent(new RunEvent(time.GetUtcNow(), "db01", "activate:db01", "activate", RunEventState.Started, null));
        time.Advance(TimeSpan.FromSeconds(65));
        writer.GetStringBuilder().Clear();
        observer.Refresh();

        Assert.Equal(
            "\u001b[2A\r\u001b[2Kweb01  activate:web01  running  1:05\n\r\u001b[2Kdb01   activate:db01  running  1:05\n",
            writer.ToString());
    }

    [Fact]
    public void Live_lines_are_cut_to_the_terminal_width_so_the_redraw_stays_in_place()
    {
        var time = new ManualTimeProvider();
        using var writer = new StringWriter();
        var observer = new ConsoleProgressObserver(writer, interactive: true, time) { Width = 20 };

        observer.OnEvent(new RunEvent(time.GetUtcNow(), "web01", Activate.Id, Activate.Kind, RunEventState.Started, null));

        Assert.Equal("\r\u001b[2Kweb01  activate:web\n", writer.ToString());
    }
}
