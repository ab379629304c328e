using Flotilla.ControlPlane.Store;
using Flotilla.Contracts;
using Flotilla.Tests.Support;

namespace Flotilla.Tests;

/// <summary>
/// A fan-out's worth of writes in one batch: more statements than one round trip takes (the store
/// sends a batch's UPDATEs in round trips of 500 where the provider can) and more rows than one
/// INSERT takes. Runs on SQLite and on a real PostgreSQL server.
/// </summary>
public abstract class StoreBatchContract(IStoreTargets targets)
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 5, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_batch_larger_than_a_round_trip_applies_its_transitions_in_order_and_reports_exactly_those_that_took_effect()
    {
        await using var store = await (await targets.NewAsync()).OpenAsync();
        const int Count = 700;
        var ids = Enumerable.Range(0, Count).Select(i => $"c{i:D4}").ToList();
        foreach (var i in Enumerable.Range(0, Count))
        {
            await store.EnsureHostAsync($"h{i:D4}", Now);
        }

        await store.InsertCommandsAsync([.. ids.Select((id, i) => new CommandRecord(
            id, "b1", $"h{i:D4}", Ops.Exec, ["true"], CommandState.Queued, null, Now, null, null, Now.AddHours(1), TimeSpan.FromMinutes(1), null, "tester"))]);

        // Every command starts; the even ones also complete in the same batch (after their start);
        // a late start of a command already running does not take effect.
        var transitions = new List<CommandTransition>();
        var expected = new List<CommandTransition>();
        foreach (var (id, i) in ids.Select((id, i) => (id, i)))
        {
            var started = new CommandTransition(id, [CommandState.Queued], CommandState.Running, Now.AddSeconds(1));
            transitions.Add(started);
            expected.Add(started);
            if (i % 2 == 0)
            {
                var completed = new CommandTransition(id, CommandStates.Active, CommandState.Succeeded, Now.AddSeconds(2), ExitCode: 0);
                transitions.Add(completed);
                expected.Add(completed);
            }
            else if (i % 7 == 0)
            {
                transitions.Add(new CommandTransition(id, [CommandState.Queued], CommandState.Running, Now.AddSeconds(3)));
            }
        }

        var output = ids.SelectMany(id => Enumerable.Range(1, 3).Select(line => new OutputLine(id, line, OutputStream.Stdout, $"{id} line {line}", Now))).ToList();
        var seen = Enumerable.Range(0, Count).Select(i => new HostSeen($"h{i:D4}", Now.AddSeconds(4), null)).ToList();

        var applied = await store.ApplyAsync(new StoreBatch(output, transitions, seen, []));

        Assert.Equal(expected, applied.Transitions);
        Assert.Equal(output, applied.Output);
        var stored = await store.ListCommandsAsync(new CommandQuery(BatchId: "b1", Limit: 10_000));
        Assert.Equal(Count, stored.Count);
        foreach (var (command, i) in stored.OrderBy(c => c.Id, StringComparer.Ordinal).Select((c, i) => (c, i)))
        {
            Assert.Equal(i % 2 == 0 ? CommandState.Succeeded : CommandState.Running, command.State);
            Assert.Equal(Now.AddSeconds(1), command.StartedAt);
        }

        Assert.Equal(output.Where(l => l.CommandId == "c0699"), await store.ReadOutputAsync("c0699"));
        Assert.All(await store.ListHostsAsync(), host => Assert.Equal(Now.AddSeconds(4), host.LastSeen));
    }
}

public sealed class SqliteStoreBatchTests(SqliteTargets targets) : StoreBatchContract(targets), IClassFixture<SqliteTargets>;

[Collection(PostgresCollection.Name)]
public sealed class PostgresStoreBatchTests(PostgresFixture fixture) : StoreBatchContract(new PostgresTargets(fixture));
