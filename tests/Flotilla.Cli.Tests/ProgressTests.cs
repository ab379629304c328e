using Flotilla.Cli.Output;
using Flotilla.Execution;
using Flotilla.Planning;
using Microsoft.Extensions.Time.Testing;
using Spectre.Console;

namespace Flotilla.Tests;

public sealed class ProgressTests
{
    private static readonly PlanStep Activate = new("activate:web01", StepKind.Activate, PlanPhases.Activate, "web01", null, []);
    private static readonly PlanStep ActivateDb = new("activate:db01", StepKind.Activate, PlanPhases.Activate, "db01", null, []);

    [Fact]
    public void A_failure_shows_the_message_and_the_last_twenty_lines_of_the_step()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 14, 30, 5, TimeSpan.Zero));
        using var writer = new StringWriter();
        var observer = new PlainProgressObserver(writer, host => $"/state/runs/x/logs/{host}.log");

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
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 14, 30, 5, TimeSpan.Zero));
        using var writer = new StringWriter();
        var observer = new PlainProgressObserver(writer);

        observer.OnEvent(new RunEvent(time.GetUtcNow(), "web01", Activate.Id, Activate.Kind, RunEventState.Started, null));
        observer.OnEvent(new RunEvent(time.GetUtcNow(), "web01", Activate.Id, Activate.Kind, RunEventState.Succeeded, null));

        Assert.Equal("14:30:05 web01 activate:web01 started\n14:30:05 web01 activate:web01 succeeded\n", writer.ToString());
    }

    [Fact]
    public void Live_each_host_has_one_line_with_its_step_elapsed_time_and_last_output_line()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 14, 30, 5, TimeSpan.Zero));
        var (console, writer) = Console(width: 100);
        var view = new LiveRunView(console, new RunProgress(null), time);

        view.OnEvent(new RunEvent(time.GetUtcNow(), "web01", Activate.Id, Activate.Kind, RunEventState.Started, null));
        view.OnEvent(new RunEvent(time.GetUtcNow(), "db01", ActivateDb.Id, ActivateDb.Kind, RunEventState.Started, null));
        view.OnOutput(Activate, "\u001b[1mcopying path\u001b[0m '/nix/store/abc-web'\r");
        time.Advance(TimeSpan.FromSeconds(65));
        view.OnEvent(new RunEvent(time.GetUtcNow(), "db01", ActivateDb.Id, ActivateDb.Kind, RunEventState.Succeeded, null));
        console.Write(view.Render(live: true));

        var lines = writer.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Matches(@"^. web01  activate:web01  running\s+1:05  copying path '/nix/store/abc-web'$", lines[0]);
        Assert.Matches(@"^✓ db01   activate:db01   succeeded\s+1:05$", lines[1]);
    }

    [Theory]
    [InlineData(40)]
    [InlineData(80)]
    public void Live_lines_are_cut_to_the_terminal_width_so_nothing_wraps(int width)
    {
        var time = new FakeTimeProvider();
        var (console, writer) = Console(width);
        var view = new LiveRunView(console, new RunProgress(null), time);

        view.OnEvent(new RunEvent(time.GetUtcNow(), "web01", Activate.Id, Activate.Kind, RunEventState.Started, null));
        view.OnOutput(Activate, "building '/nix/store/" + new string('x', 200) + "-nixos-system-web01.drv' 漢字漢字漢字");
        view.OnEvent(new RunEvent(time.GetUtcNow(), "db01", ActivateDb.Id, ActivateDb.Kind, RunEventState.Failed, "health check http://db01:5432 failed: " + new string('y', 200)));
        console.Write(view.Render(live: true));

        var lines = writer.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.All(lines, line => Assert.True(LiveRunView.Fit(line, width - 1) == line, $"{line.Length} columns: {line}"));
        Assert.All(lines, line => Assert.EndsWith("…", line, StringComparison.Ordinal));
    }

    [Fact]
    public void Fitting_counts_wide_characters_as_two_cells()
    {
        Assert.Equal("漢字…", LiveRunView.Fit("漢字漢字", 6));
        Assert.Equal("ab", LiveRunView.Fit("ab", 2));
        Assert.Equal("a…", LiveRunView.Fit("abc", 2));
    }

    private static (IAnsiConsole Console, StringWriter Writer) Console(int width)
    {
        var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(writer),
        });
        console.Profile.Width = width;
        console.Profile.Capabilities.Unicode = true;
        return (console, writer);
    }
}
