using Microsoft.Extensions.Time.Testing;
using Flotilla.Planning;

namespace Flotilla.Execution.Tests;

/// <summary>
/// Journals written before step kinds were typed (<c>Fixtures/journal-v1</c>, kinds as strings)
/// read back, and the kinds are written as the same names, byte for byte.
/// </summary>
public sealed class JournalCompatibilityTests : IDisposable
{
    private const string RunId = "20260301-120000-v1";
    private static readonly string Fixture = Path.Combine(AppContext.BaseDirectory, "Fixtures", "journal-v1");
    private readonly TempDirectory _state = new();

    public void Dispose() => _state.Dispose();

    private string RunDirectory => Path.Combine(RunJournal.RunsDirectory(_state.Path), RunId);

    private void CopyFixture()
    {
        Directory.CreateDirectory(Path.Combine(RunDirectory, RunJournal.LogsDirectory));
        foreach (var name in (string[])[RunJournal.PlanFile, RunJournal.RunFile, RunJournal.EventsFile])
        {
            File.Copy(Path.Combine(Fixture, name), Path.Combine(RunDirectory, name));
        }
    }

    [Fact]
    public async Task A_journal_written_with_string_kinds_reads_back_with_every_kind()
    {
        CopyFixture();

        await using var journal = await RunJournal.OpenAsync(_state.Path, RunId);

        Assert.Equal(StepKinds.All, journal.Plan.Steps.Select(s => s.Kind));
        Assert.Equal("keys-post:web", journal.Plan.Steps.Single(s => s.Kind == StepKind.KeysPost).Id);
        Assert.Equal(TimeSpan.FromSeconds(30), journal.Plan.Steps.Single(s => s.Kind == StepKind.Wait).Delay);
        Assert.All(journal.Steps, s => Assert.Equal(s.Id.StartsWith("rollback:", StringComparison.Ordinal) ? StepState.RolledBack : StepState.Succeeded, s.State));
        Assert.Equal("unmigrate done", journal.Steps.Single(s => s.Id == "unmigrate:web").Message);
        Assert.Equal((true, "/nix/store/aaa-system"), (journal.Steps.Single(s => s.Id == "activate:web").Changed, journal.Steps.Single(s => s.Id == "activate:web").Closure));
    }

    [Fact]
    public async Task A_journal_written_now_has_the_same_bytes_as_one_written_with_string_kinds()
    {
        CopyFixture();
        await using var old = await RunJournal.OpenAsync(_state.Path, RunId);
        var events = File.ReadAllLines(Path.Combine(Fixture, RunJournal.EventsFile))
            .Select(line => RunEvent.TryParse(line, out var read) ? read : throw new InvalidOperationException("does not read: " + line))
            .ToList();

        using var now = new TempDirectory();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        await using (var written = await RunJournal.CreateAsync(now.Path, old.Plan, new RunMetadata(Operation.Deploy, "fleet.json") { Id = RunId }, time))
        {
            await written.AppendAsync(events);
        }

        var directory = Path.Combine(RunJournal.RunsDirectory(now.Path), RunId);
        foreach (var name in (string[])[RunJournal.PlanFile, RunJournal.RunFile, RunJournal.EventsFile])
        {
            Assert.Equal(File.ReadAllText(Path.Combine(Fixture, name)), File.ReadAllText(Path.Combine(directory, name)));
        }

        Assert.Contains("\"kind\": \"keys-post\"", PlanRenderer.Render(old.Plan, PlanFormat.Json), StringComparison.Ordinal);
        Assert.Contains("\"kind\":\"keys-post\"", events.Single(e => e.Kind == StepKind.KeysPost && e.State == RunEventState.Started).ToJsonLine(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_plan_with_a_kind_this_version_does_not_know_is_an_error_that_names_the_file_and_the_kind()
    {
        CopyFixture();
        var plan = Path.Combine(RunDirectory, RunJournal.PlanFile);
        File.WriteAllText(plan, File.ReadAllText(plan).Replace("\"kind\": \"pull\"", "\"kind\": \"fetch\"", StringComparison.Ordinal));

        var error = await Assert.ThrowsAsync<RunJournalException>(() => RunJournal.OpenAsync(_state.Path, RunId));

        Assert.StartsWith($"{plan}: step \"pull:web\" has the kind \"fetch\", which this version of Flotilla does not know (build, copy, ", error.Message, StringComparison.Ordinal);
        Assert.Empty(await RunJournal.ListAsync(_state.Path));
    }

    [Fact]
    public async Task A_plan_with_an_operation_this_version_does_not_know_is_an_error_that_names_the_file_and_the_operation()
    {
        CopyFixture();
        var plan = Path.Combine(RunDirectory, RunJournal.PlanFile);
        var text = File.ReadAllText(plan);
        Assert.Contains("\"operation\": \"deploy\"", text, StringComparison.Ordinal);
        File.WriteAllText(plan, text.Replace("\"operation\": \"deploy\"", "\"operation\": \"restore\"", StringComparison.Ordinal));

        // Read as a deploy it would be resumed as one.
        var error = await Assert.ThrowsAsync<RunJournalException>(() => RunJournal.OpenAsync(_state.Path, RunId));

        Assert.StartsWith($"{plan}: the run's operation is \"restore\", which this version of Flotilla does not know (deploy, reboot, rollback, migrate)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_event_with_a_kind_this_version_does_not_know_is_an_error_that_names_the_file_and_the_line()
    {
        CopyFixture();
        var events = Path.Combine(RunDirectory, RunJournal.EventsFile);
        var lines = File.ReadAllLines(events);
        lines[4] = lines[4].Replace("\"kind\":\"keys\"", "\"kind\":\"secrets\"", StringComparison.Ordinal);
        File.WriteAllText(events, string.Join('\n', lines) + "\n");

        var error = await Assert.ThrowsAsync<RunJournalException>(() => RunJournal.OpenAsync(_state.Path, RunId));

        Assert.StartsWith($"{events} line 5: the step kind \"secrets\" is not one this version of Flotilla knows (build, copy, ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_pushed_journal_with_an_unknown_kind_is_refused_naming_the_journal_file_not_the_servers_path()
    {
        var files = new Dictionary<string, string>();
        foreach (var name in (string[])[RunJournal.PlanFile, RunJournal.RunFile, RunJournal.EventsFile])
        {
            files[name] = File.ReadAllText(Path.Combine(Fixture, name));
        }

        files[RunJournal.EventsFile] = files[RunJournal.EventsFile].Replace("\"kind\":\"gate\"", "\"kind\":\"barrier\"", StringComparison.Ordinal);

        var error = await Assert.ThrowsAsync<RunJournalException>(() => RunJournal.ImportAsync(_state.Path, RunId, files));

        Assert.StartsWith("events.jsonl line 17: the step kind \"barrier\"", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(RunJournal.RunsDirectory(_state.Path)));
    }

    [Fact]
    public void Migration_steps_are_named_after_their_kind()
    {
        var services = new[] { new Inventory.Service { Name = "db", Host = "nas" }, new Inventory.Service { Name = "app", Host = "nas", DependsOn = ["db"] } };

        Assert.Equal(["migrate:nas/db", "migrate:nas/app"], MigrationStepExecutor.Plan(services, rollback: false).Steps.Select(s => s.Id));
        Assert.Equal(["unmigrate:nas/app", "unmigrate:nas/db"], MigrationStepExecutor.Plan(services, rollback: true).Steps.Select(s => s.Id));
        Assert.Equal(["unmigrate:nas/app"], MigrationStepExecutor.Plan(services, rollback: true).Steps[1].DependsOn.ToArray());
    }
}
