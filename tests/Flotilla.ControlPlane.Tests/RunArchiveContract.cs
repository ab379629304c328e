using Flotilla.ControlPlane.Store;
using Flotilla.Execution;
using Flotilla.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Flotilla.Tests;

/// <summary>The server keeps run journals in its database: a server with the same database and an empty state directory has them again.</summary>
public abstract class RunArchiveContract(IStoreTargets targets)
{
    [Fact]
    public async Task A_pushed_run_is_kept_in_the_database_and_a_server_with_a_new_state_directory_lists_it_again()
    {
        using var here = new TempDirectory();
        using var first = new TempDirectory();
        using var second = new TempDirectory();
        var stateDirectory = first.Path;
        await using var plane = await ControlPlaneHarness.StartAsync(await targets.NewAsync(), options => options.StateDirectory = stateDirectory);
        var id = await RunJournals.RollbackAsync(here.Path, endedBecause: "the test stopped it");

        using (var client = new ControlPlaneClient(new Uri(plane.BaseUrl + "/"), plane.ApiToken))
        {
            await client.PushRunAsync(here.Path, id);
        }

        var kept = Assert.Single(await plane.Server.Services.GetRequiredService<IControlPlaneStore>().ListRunJournalsAsync());
        Assert.Equal((id, "rollback", true), (kept.Id, kept.Operation, kept.Finished));

        // The same database, a state directory that lost everything (a new container, a new disk).
        stateDirectory = second.Path;
        await plane.RestartServerAsync();
        using (var client = new ControlPlaneClient(new Uri(plane.BaseUrl + "/"), plane.ApiToken))
        {
            var listed = Assert.Single(await client.RunsAsync());
            Assert.Equal((id, "rollback", "failed", 2), (listed.Id, listed.Operation, listed.Status, listed.Skipped));
        }

        Assert.Equal(
            await File.ReadAllTextAsync(Path.Combine(RunJournal.RunsDirectory(here.Path), id, RunJournal.EventsFile)),
            await File.ReadAllTextAsync(Path.Combine(RunJournal.RunsDirectory(second.Path), id, RunJournal.EventsFile)));
    }
}

public sealed class SqliteRunArchiveTests(SqliteTargets targets) : RunArchiveContract(targets), IClassFixture<SqliteTargets>;

[Collection(PostgresCollection.Name)]
public sealed class PostgresRunArchiveTests(PostgresFixture fixture) : RunArchiveContract(new PostgresTargets(fixture));
