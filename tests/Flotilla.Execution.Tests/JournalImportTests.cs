using Flotilla.Execution.Tests.Doubles;

namespace Flotilla.Execution.Tests;

/// <summary>A journal pushed to a server (<c>deploy --server</c>) is exported here and imported there: checked first, then in place at once.</summary>
public sealed class JournalImportTests : IDisposable
{
    private readonly TempDirectory _here = new();
    private readonly TempDirectory _server = new();

    public void Dispose()
    {
        _here.Dispose();
        _server.Dispose();
    }

    private async Task<(string Id, IReadOnlyDictionary<string, string> Files)> RunAsync()
    {
        var fleet = Fleets.Of(Fleets.Host("db"), Fleets.Host("web", null, "db"));
        var executor = new ScriptedExecutor().Ends("verify:db", StepResult.RolledBack("tcp 5432 refused"));
        var (summary, written) = await Fleets.RunAsync(_here, fleet, executor);
        await written.DisposeAsync();
        return (summary.RunId, await RunJournal.ExportAsync(_here.Path, summary.RunId));
    }

    [Fact]
    public async Task An_exported_run_imported_elsewhere_reads_back_the_same_and_replaces_an_earlier_copy()
    {
        var (id, files) = await RunAsync();
        Assert.Equal(RunJournal.JournalFiles.Order(StringComparer.Ordinal), files.Keys.Order(StringComparer.Ordinal));

        // An earlier push of the same run (before it ended), then the whole run.
        await RunJournal.ImportAsync(_server.Path, id, files.Where(f => f.Key != RunJournal.ResultFile).ToDictionary());
        Assert.Equal(RunStatus.Unfinished, Assert.Single(await RunJournal.ListAsync(_server.Path)).Status);
        await RunJournal.ImportAsync(_server.Path, id, files);

        await using var original = await RunJournal.OpenAsync(_here.Path, id);
        await using var imported = await RunJournal.OpenAsync(_server.Path, id);
        Assert.Equal(original.Steps.Select(s => (s.Id, s.State, s.Message)), imported.Steps.Select(s => (s.Id, s.State, s.Message)));
        Assert.Equal(RunExitCodes.Failed, imported.Result?.ExitCode);
        Assert.Equal(RunStatus.Failed, Assert.Single(await RunJournal.ListAsync(_server.Path)).Status);
        Assert.Equal([id], Directory.GetDirectories(RunJournal.RunsDirectory(_server.Path)).Select(Path.GetFileName));
    }

    [Fact]
    public async Task A_journal_that_does_not_hold_is_refused_saying_why_and_leaves_nothing()
    {
        var (id, files) = await RunAsync();

        async Task<string> RefusedAsync(string runId, IReadOnlyDictionary<string, string> given) =>
            (await Assert.ThrowsAsync<RunJournalException>(() => RunJournal.ImportAsync(_server.Path, runId, given))).Message;

        Assert.Contains("is not a run id", await RefusedAsync("../../etc", files), StringComparison.Ordinal);
        Assert.Contains("has no file \"logs/x\"", await RefusedAsync(id, new Dictionary<string, string>(files) { ["logs/x"] = "" }), StringComparison.Ordinal);
        Assert.Contains("needs plan.json and run.json", await RefusedAsync(id, files.Where(f => f.Key != RunJournal.PlanFile).ToDictionary()), StringComparison.Ordinal);
        Assert.Contains($"names run \"{id}\", not \"other-1\"", await RefusedAsync("other-1", files), StringComparison.Ordinal);
        Assert.Contains("is not a plan Flotilla wrote", await RefusedAsync(id, new Dictionary<string, string>(files) { [RunJournal.PlanFile] = "{\"steps\": 3}" }), StringComparison.Ordinal);
        Assert.Contains("larger than 16 MiB", await RefusedAsync(id, new Dictionary<string, string>(files) { [RunJournal.EventsFile] = new string('x', RunJournal.MaxImportedCharacters) }), StringComparison.Ordinal);

        Assert.Empty(Directory.GetFileSystemEntries(RunJournal.RunsDirectory(_server.Path)));
    }
}
