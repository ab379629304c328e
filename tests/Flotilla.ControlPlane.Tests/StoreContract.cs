using System.Collections.Immutable;
using Flotilla.ControlPlane;
using Flotilla.ControlPlane.Auth;
using Flotilla.ControlPlane.Store;
using Flotilla.Contracts;
using Flotilla.Tests.Support;

namespace Flotilla.Tests;

/// <summary>What every store does; runs on SQLite and on a real PostgreSQL server.</summary>
public abstract class StoreContract(IStoreTargets targets)
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 5, 0, 0, TimeSpan.Zero);

    private async Task<IControlPlaneStore> OpenAsync() => await (await targets.NewAsync()).OpenAsync();

    private static CommandRecord Command(string id, string host, string batch = "b1", CommandState state = CommandState.Queued) =>
        new(id, batch, host, Ops.Exec, ["echo", "hi there"], state, null, Now, null, null, Now.AddHours(1), TimeSpan.FromMinutes(2), null, "tester");

    [Fact]
    public async Task A_host_token_is_found_by_its_hash_until_it_is_revoked()
    {
        await using var store = await OpenAsync();
        var token = Tokens.NewHostToken();

        Assert.True(await store.SetHostTokenAsync("web", Tokens.Hash(token), Now, replace: false));
        Assert.Equal("web", await store.FindHostByTokenHashAsync(Tokens.Hash(token)));
        Assert.Null(await store.FindHostByTokenHashAsync(Tokens.Hash(token + "x")));

        Assert.Equal(Tokens.Hash(token), (await store.HostTokenHashesAsync())["web"]);
        Assert.True(await store.RevokeHostTokenAsync("web"));
        Assert.Null((await store.HostTokenHashesAsync())["web"]);
        Assert.Null(await store.FindHostByTokenHashAsync(Tokens.Hash(token)));
        Assert.False(await store.RevokeHostTokenAsync("nope"));
        var host = Assert.Single(await store.ListHostsAsync());
        Assert.False(host.HasToken);
    }

    [Fact]
    public async Task Adding_an_existing_host_keeps_its_token_unless_replaced()
    {
        await using var store = await OpenAsync();
        Assert.True(await store.SetHostTokenAsync("web", "h1", Now, replace: false));

        Assert.False(await store.SetHostTokenAsync("web", "h2", Now, replace: false));
        Assert.Equal("web", await store.FindHostByTokenHashAsync("h1"));

        Assert.True(await store.SetHostTokenAsync("web", "h2", Now, replace: true));
        Assert.Null(await store.FindHostByTokenHashAsync("h1"));
        Assert.Equal("web", await store.FindHostByTokenHashAsync("h2"));
    }

    [Fact]
    public async Task Api_tokens_are_found_with_their_scope_until_revoked_and_names_are_unique()
    {
        await using var store = await OpenAsync();
        Assert.True(await store.AddApiTokenAsync("ci", "hash-ci", Now));
        Assert.False(await store.AddApiTokenAsync("ci", "other", Now, ApiTokenScope.Exec));
        Assert.True(await store.AddApiTokenAsync("grafana", "hash-grafana", Now, ApiTokenScope.Read));
        Assert.True(await store.AddApiTokenAsync("runner", "hash-runner", Now, ApiTokenScope.Exec));
        Assert.Equal(new ApiTokenRecord("ci", ApiTokenScope.Ops), await store.FindApiTokenAsync("hash-ci"));
        Assert.Equal(new ApiTokenRecord("grafana", ApiTokenScope.Read), await store.FindApiTokenAsync("hash-grafana"));
        Assert.Equal(new ApiTokenRecord("runner", ApiTokenScope.Exec), await store.FindApiTokenAsync("hash-runner"));

        Assert.True(await store.RevokeApiTokenAsync("ci"));
        Assert.Null(await store.FindApiTokenAsync("hash-ci"));
    }

    [Fact]
    public async Task Commands_round_trip_and_list_by_host_state_and_batch()
    {
        await using var store = await OpenAsync();
        await store.InsertCommandsAsync([Command("c1", "web"), Command("c2", "db"), Command("c3", "web", batch: "b2")]);

        var c1 = await store.GetCommandAsync("c1");
        Assert.NotNull(c1);
        Assert.Equal<string>(["echo", "hi there"], c1.Argv);
        Assert.Equal(CommandState.Queued, c1.State);
        Assert.Equal(Now, c1.CreatedAt);
        Assert.Equal(TimeSpan.FromMinutes(2), c1.Timeout);
        Assert.Null(await store.GetCommandAsync("missing"));

        Assert.Equal(["c1", "c3"], (await store.ListCommandsAsync(new CommandQuery(Host: "web"))).Select(c => c.Id));
        Assert.Equal(["c1", "c2"], (await store.ListCommandsAsync(new CommandQuery(BatchId: "b1"))).Select(c => c.Id));
        Assert.Equal(3, (await store.ListCommandsAsync(new CommandQuery(State: CommandState.Queued))).Count);
        Assert.Empty(await store.ListCommandsAsync(new CommandQuery(State: CommandState.Running)));
    }

    [Fact]
    public async Task A_transition_applies_only_from_the_states_it_names()
    {
        await using var store = await OpenAsync();
        await store.InsertCommandsAsync([Command("c1", "web")]);
        var start = new CommandTransition("c1", [CommandState.Queued], CommandState.Running, Now.AddSeconds(1));
        var finish = new CommandTransition("c1", CommandStates.Active, CommandState.Failed, Now.AddSeconds(2), ExitCode: 3, Message: "exit 3");
        var lateLost = new CommandTransition("c1", [CommandState.Running], CommandState.Lost, Now.AddSeconds(3));

        var applied = await store.ApplyAsync(new StoreBatch([], [start, finish, lateLost], [], []));

        Assert.Equal([start, finish], applied.Transitions);
        var c1 = await store.GetCommandAsync("c1");
        Assert.Equal(CommandState.Failed, c1!.State);
        Assert.Equal(3, c1.ExitCode);
        Assert.Equal("exit 3", c1.Message);
        Assert.Equal(Now.AddSeconds(1), c1.StartedAt);
        Assert.Equal(Now.AddSeconds(2), c1.FinishedAt);
    }

    [Fact]
    public async Task Output_lines_are_stored_once_and_read_in_order()
    {
        await using var store = await OpenAsync();
        await store.InsertCommandsAsync([Command("c1", "web")]);
        var lines = Enumerable.Range(1, 450)
            .Select(i => new OutputLine("c1", i, i % 2 == 0 ? OutputStream.Stderr : OutputStream.Stdout, $"line {i} 'quoted' \"and\" ünïcode", Now))
            .ToList();

        Assert.Equal(lines.Skip(100), (await store.ApplyAsync(new StoreBatch(lines.Skip(100).ToList(), [], [], []))).Output);
        // Sent again (an agent that reconnected), the stored lines are not stored or returned
        // twice, also when the batch names one twice.
        var again = await store.ApplyAsync(new StoreBatch([.. lines, lines[0], lines[200]], [], [], []));
        Assert.Equal(lines.Take(100), again.Output);

        var read = await store.ReadOutputAsync("c1");
        Assert.Equal(lines, read);
        Assert.Equal(lines.Skip(440), await store.ReadOutputAsync("c1", afterLine: 440));
        Assert.Equal(lines.Take(5), await store.ReadOutputAsync("c1", limit: 5));
    }

    [Fact]
    public async Task Heartbeats_and_facts_update_the_host()
    {
        await using var store = await OpenAsync();
        await store.EnsureHostAsync("web", Now);
        await store.EnsureHostAsync("web", Now.AddDays(1));
        var metrics = new HostMetrics(12.5, 1000, 400, 10, 0, 0.5, 0.25, 0.125, 5000, 2500);
        var facts = new HostFacts("web.lan", "nixos", "0.1.0", OsVersion: "24.11", Generation: 42, FlakeRevision: "abc");

        await store.ApplyAsync(new StoreBatch([], [], [new HostSeen("web", Now.AddSeconds(5), metrics)], [("web", facts)]));
        await store.ApplyAsync(new StoreBatch([], [], [new HostSeen("web", Now.AddSeconds(10), null)], []));

        var host = Assert.Single(await store.ListHostsAsync());
        Assert.Equal(Now, host.CreatedAt);
        Assert.Equal(Now.AddSeconds(10), host.LastSeen);
        Assert.Equal(metrics, host.Metrics);
        Assert.Equal(facts, host.Facts);
    }

    [Fact]
    public async Task Migrating_again_keeps_what_is_stored()
    {
        var target = await targets.NewAsync();
        await using (var store = await target.OpenAsync())
        {
            await store.InsertCommandsAsync([Command("c1", "web")]);
        }

        await using var reopened = await target.OpenAsync();
        await reopened.MigrateAsync();
        Assert.NotNull(await reopened.GetCommandAsync("c1"));
    }

    [Fact]
    public async Task Many_commands_insert_in_one_call()
    {
        await using var store = await OpenAsync();
        var commands = Enumerable.Range(0, 1234).Select(i => Command($"c{i:D5}", $"h{i}")).ToList();

        await store.InsertCommandsAsync(commands);

        Assert.Equal(1234, (await store.ListCommandsAsync(new CommandQuery(BatchId: "b1", Limit: 5000))).Count);

        // A fan-out's starts and ends arrive together: one batch, each command named twice.
        var transitions = commands.SelectMany(c => new[]
        {
            new CommandTransition(c.Id, [CommandState.Queued], CommandState.Running, Now.AddSeconds(1)),
            new CommandTransition(c.Id, CommandStates.Active, CommandState.Succeeded, Now.AddSeconds(2), ExitCode: 0),
        }).ToList();
        var applied = await store.ApplyAsync(new StoreBatch([], transitions, [], []));
        Assert.Equal(transitions.Count, applied.Transitions.Count);
        Assert.Equal(1234, (await store.ListCommandsAsync(new CommandQuery(State: CommandState.Succeeded, Limit: 5000))).Count);
        var one = await store.GetCommandAsync(commands[617].Id);
        Assert.Equal((Now.AddSeconds(1), Now.AddSeconds(2), 0), (one!.StartedAt!.Value, one.FinishedAt!.Value, one.ExitCode!.Value));
    }

    [Fact]
    public async Task Dashboard_sessions_are_found_touched_and_deleted_and_survive_a_reopen()
    {
        var target = await targets.NewAsync();
        var session = new Flotilla.Dashboard.DashboardSession(new string('a', 64), "admin", Now, Now.AddHours(12), Now, "127.0.0.1");
        await using (var store = await target.OpenAsync())
        {
            await store.CreateAsync(session);
            await store.CreateAsync(session with { Id = new string('b', 64), Expires = Now.AddMinutes(1), ClientAddress = null });
        }

        await using var reopened = await target.OpenAsync();
        Assert.Equal(session, await reopened.FindAsync(session.Id));
        Assert.Null(await reopened.FindAsync(new string('c', 64)));

        await reopened.TouchAsync(session.Id, Now.AddMinutes(5));
        await reopened.TouchAsync(session.Id, Now.AddMinutes(2));
        Assert.Equal(Now.AddMinutes(5), (await reopened.FindAsync(session.Id))!.LastSeen);

        Assert.Equal(1, await reopened.DeleteExpiredAsync(Now.AddMinutes(1)));
        Assert.Null(await reopened.FindAsync(new string('b', 64)));
        await reopened.DeleteAsync(session.Id);
        Assert.Null(await reopened.FindAsync(session.Id));
    }

    [Fact]
    public async Task The_audit_log_lists_the_newest_entries_first()
    {
        await using var store = await OpenAsync();
        var entries = Enumerable.Range(0, 30)
            .Select(i => new Flotilla.Dashboard.AuditEntry(Now.AddSeconds(i / 10), i % 2 == 0 ? "admin" : "-", "command", $"web{i}", i % 3 == 0 ? null : "run: echo 'hi'", "ok", i % 5 == 0 ? null : "10.0.0.1"))
            .ToList();
        foreach (var entry in entries)
        {
            await store.AppendAsync(entry);
        }

        // Entries within the same millisecond keep their order too.
        Assert.Equal(Enumerable.Reverse(entries).Take(7), await store.ListAsync(7));
        Assert.Equal(30, (await store.ListAsync(100)).Count);
        Assert.Empty(await store.ListAsync(0));
    }

    [Fact]
    public async Task A_TOTP_step_is_used_once_per_account_and_never_an_earlier_one()
    {
        var target = await targets.NewAsync();
        await using (var store = await target.OpenAsync())
        {
            Assert.True(await store.TryUseStepAsync("admin", 100));
            Assert.False(await store.TryUseStepAsync("admin", 100));
            Assert.False(await store.TryUseStepAsync("admin", 99));
            Assert.True(await store.TryUseStepAsync("other", 100));
        }

        // A restart does not open a replay window.
        await using var reopened = await target.OpenAsync();
        Assert.False(await reopened.TryUseStepAsync("admin", 100));
        Assert.True(await reopened.TryUseStepAsync("admin", 101));
        var racers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => reopened.TryUseStepAsync("admin", 102).AsTask()));
        Assert.Single(racers, won => won);
    }

    [Fact]
    public async Task A_run_journal_is_kept_and_a_later_copy_of_the_same_run_replaces_it()
    {
        await using var store = await OpenAsync();
        Assert.Empty(await store.ListRunJournalsAsync());
        Assert.Null(await store.GetRunJournalAsync("20261122-050000-0001"));

        var started = new StoredRunJournal("20261122-050000-0001", "deploy", Now, false, new Dictionary<string, string> { ["plan.json"] = "{}", ["events.jsonl"] = "" }, Now);
        await store.SaveRunJournalAsync(started);
        await store.SaveRunJournalAsync(new StoredRunJournal("20261122-040000-0002", "reboot", Now.AddHours(-1), true, new Dictionary<string, string> { ["run.json"] = "{\"id\": 2}" }, Now));
        await store.SaveRunJournalAsync(started with { Finished = true, Files = new Dictionary<string, string> { ["plan.json"] = "{}", ["events.jsonl"] = "line 1\nline 2 \u00e9\n", ["result.json"] = "{\"exitCode\":0}" }, Saved = Now.AddMinutes(5) });

        var listed = await store.ListRunJournalsAsync();
        Assert.Equal(["20261122-040000-0002", "20261122-050000-0001"], listed.Select(r => r.Id));
        Assert.Equal(("deploy", Now, true, Now.AddMinutes(5)), (listed[1].Operation, listed[1].Started, listed[1].Finished, listed[1].Saved));
        var files = await store.GetRunJournalAsync("20261122-050000-0001");
        Assert.NotNull(files);
        Assert.Equal(3, files.Count);
        Assert.Equal("line 1\nline 2 \u00e9\n", files["events.jsonl"]);
    }
}

public sealed class SqliteStoreTests(SqliteTargets targets) : StoreContract(targets), IClassFixture<SqliteTargets>;

[Collection(PostgresCollection.Name)]
public sealed class PostgresStoreTests(PostgresFixture fixture) : StoreContract(new PostgresTargets(fixture));
