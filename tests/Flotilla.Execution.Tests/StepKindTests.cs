using System.Collections.Immutable;
using Flotilla.Planning;
using Flotilla.Tests.Support;

namespace Flotilla.Execution.Tests;

/// <summary>Step kinds go into event lines and journals by their names and come back typed (the names themselves: Core's StepKindTests).</summary>
public sealed class StepKindTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 22, 14, 30, 5, TimeSpan.Zero);

    [Fact]
    public void Event_lines_carry_the_kind_s_name_and_a_line_with_an_unknown_kind_is_not_an_event()
    {
        var line = new RunEvent(At, "web01", "keys-post:web01", StepKind.KeysPost, RunEventState.Succeeded, null).ToJsonLine();
        Assert.Contains("\"kind\":\"keys-post\"", line, StringComparison.Ordinal);
        Assert.True(RunEvent.TryParse(line, out var read));
        Assert.Equal(StepKind.KeysPost, read.Kind);

        Assert.False(RunEvent.TryParse(line.Replace("keys-post\",\"state", "keys-later\",\"state", StringComparison.Ordinal), out _));
    }

    [Fact]
    public void A_superseded_verify_is_typed_in_its_event_line_and_an_event_that_does_not_say_leaves_it_out()
    {
        var line = new RunEvent(At, "web01", "verify:web01", StepKind.Verify, RunEventState.Failed, "superseded", Superseded: true).ToJsonLine();
        Assert.Contains("\"superseded\":true", line, StringComparison.Ordinal);
        Assert.True(RunEvent.TryParse(line, out var read));
        Assert.True(read.Superseded);

        var plain = new RunEvent(At, "web01", "verify:web01", StepKind.Verify, RunEventState.Succeeded, null).ToJsonLine();
        Assert.DoesNotContain("superseded", plain, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_journal_written_with_kind_names_reads_back_and_a_plan_with_an_unknown_kind_is_refused_naming_its_file()
    {
        using var state = new TempDirectory();
        var plan = new Plan(Operation.Deploy, [new PlanStep("keys-post:web01", StepKind.KeysPost, "activate", "web01", null, ImmutableArray<string>.Empty)]);
        string id;
        await using (var journal = await RunJournal.CreateAsync(state.Path, plan, new RunMetadata(Operation.Deploy, null)))
        {
            id = journal.Id;
            await journal.AppendAsync(new RunEvent(At, "web01", "keys-post:web01", StepKind.KeysPost, RunEventState.Succeeded, null));
        }

        var planFile = Path.Combine(RunJournal.RunsDirectory(state.Path), id, RunJournal.PlanFile);
        var written = await File.ReadAllTextAsync(planFile);
        Assert.Contains("\"kind\": \"keys-post\"", written, StringComparison.Ordinal);
        await using (var reopened = await RunJournal.OpenAsync(state.Path, id))
        {
            Assert.Equal(StepKind.KeysPost, Assert.Single(reopened.Plan.Steps).Kind);
            Assert.Equal(StepState.Succeeded, Assert.Single(reopened.Steps).State);
        }

        await File.WriteAllTextAsync(planFile, written.Replace("\"keys-post\",", "\"keys-later\",", StringComparison.Ordinal));
        var refused = await Assert.ThrowsAsync<RunJournalException>(() => RunJournal.OpenAsync(state.Path, id));
        Assert.Contains(RunJournal.PlanFile, refused.Message, StringComparison.Ordinal);
        Assert.Contains("keys-later", refused.Message, StringComparison.Ordinal);
    }
}
