using Flotilla.Execution;
using Flotilla.Inventory;
using Flotilla.Planning;
using Flotilla.Tests.Support;

namespace Flotilla.Tests;

/// <summary><c>deploy --resume</c> resumes deploys only: another operation's run is refused before anything is done (issue 16).</summary>
public sealed class ResumeOtherRunTests
{
    [Fact]
    public async Task Deploy_resume_of_a_rollbacks_run_exits_2_naming_what_the_run_is()
    {
        using var dir = new TempDirectory();
        var inventory = dir.Write("flotilla.json", """{ "hosts": { "a": { "target": "192.0.2.1" } } }""");
        var state = Path.Combine(dir.Path, "state");
        var fleet = await InventoryLoader.LoadAsync(inventory, dir.Path, CancellationToken.None);
        var plan = Planner.Build(fleet, Operation.Rollback, Selection.Everything).Plan!;
        string id;
        await using (var journal = await RunJournal.CreateAsync(state, plan, new RunMetadata(Operation.Rollback, inventory)))
        {
            id = journal.Id;
        }

        var run = await CliRunner.RunAsync(dir.Path, "deploy", "--resume", id, "--state-dir", state, "--plain");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"deploy: run {id} is a rollback, not a deploy", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("resuming run", run.Error, StringComparison.Ordinal);
    }
}
