using System.Collections.Immutable;
using System.Text;
using Flotilla.Execution.Tests.Doubles;
using Flotilla.Planning;
using Microsoft.Extensions.Time.Testing;

namespace Flotilla.Execution.Tests;

public sealed class JournalTests : IDisposable
{
    private readonly TempDirectory _state = new();

    public void Dispose() => _state.Dispose();

    [Fact]
    public async Task A_run_reads_back_as_it_was_written()
    {
        var fleet = Fleets.Of(Fleets.Host("db"), Fleets.Host("web", null, "db"));
        var executor = new ScriptedExecutor().Ends("verify:db", StepResult.RolledBack("tcp 5432 refused"));
        var (summary, written) = await Fleets.RunAsync(_state, fleet, executor);
        await written.DisposeAsync();

        await using var journal = await RunJournal.OpenAsync(_state.Path, summary.RunId);

        Assert.Equal(Operation.Deploy, journal.Info.Operation);
        Assert.Equal("fleet.json", journal.Info.InventoryPath);
        Assert.Equal(Clocks.Start, journal.Info.Started);
        Assert.Equal(written.Plan.Steps.Select(s => (s.Id, s.Kind, s.Host, string.Join(",", s.DependsOn))), journal.Plan.Steps.Select(s => (s.Id, s.Kind, s.Host, string.Join(",", s.DependsOn))));
        Assert.Equal(summary.Steps.Select(s => (s.Id, s.State, s.Message)), journal.Steps.Select(s => (s.Id, s.State, s.Message)));
        Assert.Equal(RunExitCodes.Failed, journal.Result?.ExitCode);
    }

    [Fact]
    public async Task Whether_a_step_changed_its_host_and_its_closure_are_journaled_typed_and_read_back()
    {
        var fleet = Fleets.Of(Fleets.Host("db"), Fleets.Host("web", null, "db"));
        var executor = new ScriptedExecutor()
            .Ends("activate:db", StepResult.Succeeded("db already runs /nix/store/aaa-system") with { Changed = false, Closure = "/nix/store/aaa-system" })
            .Ends("activate:web", StepResult.Succeeded("switch") with { Changed = true, Closure = "/nix/store/bbb-system" });
        var (summary, written) = await Fleets.RunAsync(_state, fleet, executor);
        await written.DisposeAsync();

        await using var journal = await RunJournal.OpenAsync(_state.Path, summary.RunId);

        var steps = journal.Steps.ToDictionary(s => s.Id);
        Assert.Equal((false, "/nix/store/aaa-system"), (steps["activate:db"].Changed, steps["activate:db"].Closure));
        Assert.Equal((true, "/nix/store/bbb-system"), (steps["activate:web"].Changed, steps["activate:web"].Closure));
        Assert.Equal((null, null), (steps["verify:db"].Changed, steps["verify:db"].Closure));
        Assert.Equal(summary.Steps.Select(s => (s.Id, s.Changed, s.Closure)), journal.Steps.Select(s => (s.Id, s.Changed, s.Closure)));
        // Events that say nothing of it keep their JSON as it was.
        var lines = await File.ReadAllLinesAsync(Path.Combine(journal.RunDirectory, RunJournal.EventsFile));
        Assert.Contains(lines, l => l.Contains("\"step\":\"activate:db\"", StringComparison.Ordinal) && l.EndsWith("\"changed\":false,\"closure\":\"/nix/store/aaa-system\"}", StringComparison.Ordinal));
        Assert.All(lines.Where(l => l.Contains("\"step\":\"verify:", StringComparison.Ordinal)), l => Assert.DoesNotContain("changed", l, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Runs_list_with_their_counts_and_status_oldest_first()
    {
        var fleet = Fleets.Of(Fleets.Host("a"));
        var plan = Fleets.Deploy(fleet);
        var time = Clocks.New();
        await using (var finished = await RunJournal.CreateAsync(_state.Path, plan, new RunMetadata(Operation.Deploy, null), time))
        {
            await new RunScheduler(time).RunAsync(plan, fleet, new ScriptedExecutor(), new SchedulerOptions(), finished);
        }

        time.Advance(TimeSpan.FromSeconds(1));
        await using var killed = await RunJournal.CreateAsync(_state.Path, plan, new RunMetadata(Operation.Deploy, null), time);
        await killed.AppendAsync(new RunEvent(time.GetUtcNow(), "a", "build:a", StepKind.Build, RunEventState.Started, null));

        var runs = await RunJournal.ListAsync(_state.Path);

        Assert.Equal(2, runs.Count);
        Assert.Equal(RunStatus.Succeeded, runs[0].Status);
        Assert.Equal(plan.Steps.Length, runs[0].Counts.Succeeded);
        Assert.NotNull(runs[0].Finished);
        Assert.Equal(killed.Id, runs[1].Id);
        Assert.Equal(RunStatus.Unfinished, runs[1].Status);
        Assert.Equal(1, runs[1].Counts.Running);
        Assert.Equal(plan.Steps.Length - 1, runs[1].Counts.Pending);
        Assert.Null(runs[1].Finished);
    }

    [Fact]
    public async Task A_journal_whose_last_line_was_torn_by_a_kill_opens_and_appends_cleanly()
    {
        var plan = Fleets.Deploy(Fleets.Of(Fleets.Host("a")));
        var time = Clocks.New();
        string id;
        await using (var journal = await RunJournal.CreateAsync(_state.Path, plan, new RunMetadata(Operation.Deploy, null), time))
        {
            id = journal.Id;
            await journal.AppendAsync(new RunEvent(time.GetUtcNow(), "a", "build:a", StepKind.Build, RunEventState.Started, null));
            await journal.AppendAsync(new RunEvent(time.GetUtcNow(), "a", "build:a", StepKind.Build, RunEventState.Succeeded, null));
        }

        var events = Path.Combine(_state.Path, "runs", id, RunJournal.EventsFile);
        await File.AppendAllTextAsync(events, """{"time":"2026-11-22T14:30:06.000Z","host":"a","step":"copy:a","ki""");

        await using (var reopened = await RunJournal.OpenAsync(_state.Path, id))
        {
            Assert.Equal(StepState.Succeeded, reopened.Steps.Single(s => s.Id == "build:a").State);
            Assert.Equal(StepState.Pending, reopened.Steps.Single(s => s.Id == "copy:a").State);
            await reopened.AppendAsync(new RunEvent(time.GetUtcNow(), "a", "copy:a", StepKind.Copy, RunEventState.Started, null));
        }

        var lines = await File.ReadAllLinesAsync(events);
        Assert.Equal(3, lines.Length);
        Assert.All(lines, line => Assert.True(RunEvent.TryParse(line, out _), line));
    }

    [Fact]
    public async Task A_step_whose_last_event_is_started_reads_back_as_interrupted()
    {
        var plan = Fleets.Deploy(Fleets.Of(Fleets.Host("a")));
        var time = Clocks.New();
        await using var journal = await RunJournal.CreateAsync(_state.Path, plan, new RunMetadata(Operation.Deploy, null), time);
        await journal.AppendAsync(new RunEvent(time.GetUtcNow(), "a", "build:a", StepKind.Build, RunEventState.Started, null));

        await using var reopened = await RunJournal.OpenAsync(_state.Path, journal.Id);

        Assert.True(reopened.Steps.Single(s => s.Id == "build:a").Interrupted);
        Assert.Null(reopened.Result);
    }

    [Fact]
    public async Task Every_event_is_on_disk_before_the_step_it_announces_runs()
    {
        var fleet = Fleets.Of(Fleets.Host("a"), Fleets.Host("b", null, "a"));
        var seen = new List<(string Step, ImmutableArray<string> Lines)>();
        var executor = new ScriptedExecutor();
        foreach (var step in Fleets.Deploy(fleet).Steps)
        {
            executor.On(step.Id, async (s, _, ct) =>
            {
                var events = Directory.GetFiles(Path.Combine(_state.Path, "runs"), RunJournal.EventsFile, SearchOption.AllDirectories).Single();
                await using var reader = new FileStream(events, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
                using var text = new StreamReader(reader, Encoding.UTF8);
                var content = await text.ReadToEndAsync(ct);
                lock (seen)
                {
                    seen.Add((s.Id, [.. content.Split('\n', StringSplitOptions.RemoveEmptyEntries)]));
                }

                return StepResult.Succeeded();
            });
        }

        var (summary, journal) = await Fleets.RunAsync(_state, fleet, executor);
        await using var _ = journal;

        Assert.Equal(RunExitCodes.Success, summary.ExitCode);
        Assert.Equal(journal.Plan.Steps.Length, seen.Count);
        foreach (var (step, lines) in seen)
        {
            var events = lines.Select(l => RunEvent.TryParse(l, out var e) ? e : throw new InvalidOperationException("unreadable line " + l)).ToList();
            Assert.Contains(events, e => e.Step == step && e.State == RunEventState.Started);
            foreach (var dependency in journal.Plan.Steps.Single(s => s.Id == step).DependsOn)
            {
                Assert.Contains(events, e => e.Step == dependency && e.State == RunEventState.Succeeded);
            }
        }
    }

    [Fact]
    public async Task Run_ids_sort_by_start_time()
    {
        var plan = Fleets.Deploy(Fleets.Of(Fleets.Host("a")));
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 22, 23, 59, 59, TimeSpan.Zero));
        await using var first = await RunJournal.CreateAsync(_state.Path, plan, new RunMetadata(Operation.Deploy, null), time);
        time.Advance(TimeSpan.FromSeconds(2));
        await using var second = await RunJournal.CreateAsync(_state.Path, plan, new RunMetadata(Operation.Deploy, null), time);

        Assert.Matches("^20261122-235959-[0-9a-f]{4}$", first.Id);
        Assert.True(string.CompareOrdinal(first.Id, second.Id) < 0);
    }

    [Theory]
    [InlineData("20261122-235959-ffff")]
    [InlineData("../../etc")]
    public async Task Opening_a_run_that_is_not_there_names_it_and_says_what_to_do(string id)
    {
        var error = await Assert.ThrowsAsync<RunJournalException>(() => RunJournal.OpenAsync(_state.Path, id));

        Assert.Contains(id, error.Message, StringComparison.Ordinal);
        Assert.Contains("flotilla runs", error.Message, StringComparison.Ordinal);
    }
}
