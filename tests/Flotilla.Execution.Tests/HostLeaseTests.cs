using Microsoft.Extensions.Time.Testing;
using Flotilla.Execution.Tests.Doubles;
using Flotilla.Tests.Support;

namespace Flotilla.Execution.Tests;

public sealed class HostLeaseTests
{
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    private static HostLeaseRequest Deploy(TimeProvider time, params string[] hosts) =>
        new("deploy", [.. hosts]) { Ttl = Hour, TimeProvider = time };

    private static HostLeaseRequest Reboot(TimeProvider time) =>
        HostLeaseRequest.ForFleet("reboot") with { Ttl = Hour, TimeProvider = time };

    [Fact]
    public async Task A_second_run_that_needs_one_of_the_same_hosts_is_refused_and_told_who_holds_it_for_which_run_and_since_when()
    {
        using var state = new TempDirectory();
        var time = Clocks.New();
        var store = new FileHostLeaseStore(state.Path, time);
        await using var held = await HostLease.AcquireAsync(store, Deploy(time, "web", "db"));
        await held.AttachRunAsync("20261122-143005-ab12");

        var busy = await Assert.ThrowsAsync<HostsBusyException>(() => HostLease.AcquireAsync(store, Deploy(time, "db", "cache") with { Operation = "rollback" }));

        Assert.Equal(held.Holder.Token, busy.Holder.Token);
        Assert.Equal("db", Assert.Single(busy.InCommon));
        Assert.StartsWith($"host db is held by {Environment.UserName}@{Environment.MachineName} (pid {Environment.ProcessId}): ", busy.Message, StringComparison.Ordinal);
        Assert.Contains("deploy since 2026-11-22 14:30:05 UTC, run 20261122-143005-ab12", busy.Message, StringComparison.Ordinal);
        Assert.Contains($"The lease is in {store.Path} and expires at 2026-11-22 15:30:05 UTC", busy.Message, StringComparison.Ordinal);
        Assert.Equal([held.Holder.Token], (await store.ListAsync()).Select(l => l.Token));
    }

    [Fact]
    public async Task Runs_on_disjoint_hosts_hold_their_leases_side_by_side()
    {
        using var state = new TempDirectory();
        var time = Clocks.New();
        var store = new FileHostLeaseStore(state.Path, time);

        await using var web = await HostLease.AcquireAsync(store, Deploy(time, "web"));
        await using var db = await HostLease.AcquireAsync(store, Deploy(time, "db", "cache"));

        var leases = await store.ListAsync();
        Assert.Equal(2, leases.Length);
        Assert.Contains(leases, l => l.Token == web.Holder.Token && l.Hosts.SequenceEqual(["web"]));
        Assert.Contains(leases, l => l.Token == db.Holder.Token && l.Hosts.SequenceEqual(["cache", "db"]));
    }

    [Fact]
    public async Task A_lease_on_the_whole_fleet_keeps_out_every_run_and_is_kept_out_by_any()
    {
        using var state = new TempDirectory();
        var time = Clocks.New();
        var store = new FileHostLeaseStore(state.Path, time);

        await using (var reboot = await HostLease.AcquireAsync(store, Reboot(time)))
        {
            var deploy = await Assert.ThrowsAsync<HostsBusyException>(() => HostLease.AcquireAsync(store, Deploy(time, "web", "db")));
            Assert.StartsWith("hosts db, web are held by ", deploy.Message, StringComparison.Ordinal);
            Assert.Contains("reboot since 2026-11-22 14:30:05 UTC, its run has no journal yet (that run holds the whole fleet)", deploy.Message, StringComparison.Ordinal);

            var upgrade = await Assert.ThrowsAsync<HostsBusyException>(() => HostLease.AcquireAsync(store, HostLeaseRequest.ForFleet("upgrade") with { TimeProvider = time }));
            Assert.StartsWith("the fleet is held by ", upgrade.Message, StringComparison.Ordinal);
            Assert.Empty(upgrade.InCommon);
        }

        await using var web = await HostLease.AcquireAsync(store, Deploy(time, "web"));
        var refused = await Assert.ThrowsAsync<HostsBusyException>(() => HostLease.AcquireAsync(store, Reboot(time)));
        Assert.StartsWith("host web is held by ", refused.Message, StringComparison.Ordinal);
        Assert.Equal("web", Assert.Single(refused.InCommon));
    }

    [Fact]
    public async Task Releasing_a_lease_lets_the_next_run_take_its_hosts_and_the_last_release_removes_the_file()
    {
        using var state = new TempDirectory();
        var time = Clocks.New();
        var store = new FileHostLeaseStore(state.Path, time);
        var first = await HostLease.AcquireAsync(store, Deploy(time, "web"));
        Assert.True(File.Exists(store.Path));
        await first.DisposeAsync();

        Assert.False(File.Exists(store.Path));
        await using var second = await HostLease.AcquireAsync(store, Deploy(time, "web"));
        Assert.NotEqual(first.Holder.Token, second.Holder.Token);
        Assert.Equal([second.Holder.Token], (await store.ListAsync()).Select(l => l.Token));
    }

    [Fact]
    public async Task A_run_that_waits_takes_the_hosts_once_their_holder_releases_them()
    {
        using var state = new TempDirectory();
        var time = Clocks.New();
        var store = new FileHostLeaseStore(state.Path, time);
        var first = await HostLease.AcquireAsync(store, Deploy(time, "web", "db"));

        var waiting = HostLease.AcquireAsync(store, Deploy(time, "db") with { Wait = Hour });
        Assert.False(waiting.IsCompleted, "the waiting run took a host that another run holds");
        await first.DisposeAsync();
        // The waiting run looks again every 200 ms of its clock.
        for (var i = 0; i < 100 && !waiting.IsCompleted; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(200));
            await Task.Delay(20);
        }

        await using var second = await waiting;

        Assert.Equal([second.Holder.Token], (await store.ListAsync()).Select(l => l.Token));
    }

    [Fact]
    public async Task The_lease_of_a_killed_run_expires_after_its_ttl_and_its_old_holder_does_not_remove_the_new_one()
    {
        using var state = new TempDirectory();
        var time = Clocks.New();
        var store = new FileHostLeaseStore(state.Path, time);
        // The killed holder's renewals run on a clock that never moves: they never come.
        var killed = await HostLease.AcquireAsync(store, Deploy(Clocks.New(), "web"));
        await Assert.ThrowsAsync<HostsBusyException>(() => HostLease.AcquireAsync(store, Deploy(time, "web")));

        // An hour later the lease expired.
        time.Advance(Hour + TimeSpan.FromSeconds(1));
        await using var next = await HostLease.AcquireAsync(store, Deploy(time, "web") with { Operation = "rollback" });
        await killed.DisposeAsync();

        var left = Assert.Single(await store.ListAsync());
        Assert.Equal(next.Holder.Token, left.Token);
        Assert.Equal("rollback", left.Operation);
    }

    [Fact]
    public async Task The_lease_of_a_killed_holder_on_this_machine_counts_no_more_at_once_but_one_it_cannot_check_lasts_its_ttl()
    {
        using var state = new TempDirectory();
        var time = Clocks.New();
        var store = new FileHostLeaseStore(state.Path, time);
        var self = Assert.IsType<HolderProcess>(Internal.LocalProcesses.Current);
        using var exited = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("true"))!;
        await exited.WaitForExitAsync();
        var now = time.GetUtcNow();
        HostLeaseHolder Held(string host, HolderProcess process) =>
            new("root@here (pid 1)", "deploy", "r1", [host], false, now, now + Hour, Guid.NewGuid().ToString("N")) { Process = process };

        // Gone: its pid is free, or was given to a process that started later.
        Assert.Null(await store.TryTakeAsync(Held("web", self with { Pid = exited.Id })));
        Assert.Null(await store.TryTakeAsync(Held("db", self with { StartTicks = self.StartTicks + 1 })));
        // Cannot tell: another pid namespace (a container), another boot, another machine.
        Assert.Null(await store.TryTakeAsync(Held("nas", self with { Pid = exited.Id, PidNamespace = "pid:[1]" })));
        Assert.Null(await store.TryTakeAsync(Held("cache", self with { Pid = exited.Id, BootId = "another boot" })));
        Assert.Null(await store.TryTakeAsync(Held("proxy", self with { Pid = exited.Id, Machine = "elsewhere" })));

        await using var web = await HostLease.AcquireAsync(store, Deploy(time, "web", "db"));
        foreach (var host in new[] { "nas", "cache", "proxy" })
        {
            await Assert.ThrowsAsync<HostsBusyException>(() => HostLease.AcquireAsync(store, Deploy(time, host)));
        }

        Assert.Equal(4, (await store.ListAsync()).Length);
    }

    [Fact]
    public async Task A_held_lease_is_renewed_so_it_outlives_its_first_ttl()
    {
        using var state = new TempDirectory();
        var time = Clocks.New();
        var store = new FileHostLeaseStore(state.Path, time);
        // A short TTL: renewals come every 100 ms of the clock, each for 300 ms past it.
        await using var held = await HostLease.AcquireAsync(store, Deploy(time, "web") with { Ttl = TimeSpan.FromMilliseconds(300) });
        // Ten TTLs pass, a renewal period at a time (each given a moment to write).
        for (var i = 0; i < 30; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(100));
            await Task.Delay(10);
        }

        for (var i = 0; i < 100 && (await store.ListAsync()).Single().Expires <= time.GetUtcNow(); i++)
        {
            await Task.Delay(20);
        }

        Assert.True((await store.ListAsync()).Single().Expires > time.GetUtcNow(), "the lease was not renewed");
        await Assert.ThrowsAsync<HostsBusyException>(() => HostLease.AcquireAsync(store, Deploy(time, "web")));
        Assert.True(held.Held);
    }

    [Fact]
    public async Task An_unreadable_lease_file_holds_no_lease()
    {
        using var state = new TempDirectory();
        state.Write(FileHostLeaseStore.FileName, "{ half written");
        var store = new FileHostLeaseStore(state.Path, Clocks.New());

        await using var held = await HostLease.AcquireAsync(store, Reboot(Clocks.New()));

        Assert.Equal([held.Holder.Token], (await store.ListAsync()).Select(l => l.Token));
    }

    [Fact]
    public async Task Only_one_of_many_concurrent_runs_on_the_same_host_gets_it_and_runs_on_other_hosts_all_do()
    {
        using var state = new TempDirectory();
        // The system's clock: takers that find the file locked retry after 50 ms of it.
        var time = TimeProvider.System;
        var store = new FileHostLeaseStore(state.Path, time);

        async Task<HostLease?> TryAsync(string[] hosts)
        {
            try
            {
                return await HostLease.AcquireAsync(new FileHostLeaseStore(state.Path, time), Deploy(time, hosts));
            }
            catch (HostsBusyException)
            {
                return null;
            }
        }

        var shared = Enumerable.Range(0, 12).Select(i => Task.Run(() => TryAsync(["web", "host-" + i])));
        var own = Enumerable.Range(0, 4).Select(i => Task.Run(() => TryAsync(["other-" + i])));
        var attempts = await Task.WhenAll(shared.Concat(own));

        var winner = Assert.Single(attempts.Take(12), a => a is not null)!;
        Assert.All(attempts.Skip(12), a => Assert.NotNull(a));
        var leases = await store.ListAsync();
        Assert.Equal(5, leases.Length);
        Assert.Single(leases, l => l.Hosts.Contains("web"));
        foreach (var lease in attempts.OfType<HostLease>())
        {
            await lease.DisposeAsync();
        }

        Assert.False(File.Exists(store.Path));
    }

    [Fact]
    public void Leases_overlap_when_they_share_a_host_or_one_holds_the_whole_fleet()
    {
        HostLeaseHolder Lease(bool whole, params string[] hosts) => new("me", "deploy", null, [.. hosts], whole, default, default, Guid.NewGuid().ToString("N"));

        Assert.True(Lease(false, "a", "b").Overlaps(Lease(false, "b", "c")));
        Assert.False(Lease(false, "a").Overlaps(Lease(false, "b")));
        Assert.True(Lease(true).Overlaps(Lease(false, "z")));
        Assert.True(Lease(false).Overlaps(Lease(true)));
        Assert.False(Lease(false).Overlaps(Lease(false, "a")));
        Assert.Equal("b", Assert.Single(Lease(false, "a", "b").InCommonWith(Lease(false, "b", "c"))));
    }
}
