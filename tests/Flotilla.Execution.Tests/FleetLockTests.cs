using Flotilla.Execution.Tests.Doubles;
using Flotilla.Tests.Support;

namespace Flotilla.Execution.Tests;

public sealed class FleetLockTests
{
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    [Fact]
    public async Task A_second_orchestrator_is_refused_and_told_who_holds_the_lock_and_until_when()
    {
        using var state = new TempDirectory();
        var time = new ManualTimeProvider();
        await using var held = await FleetLock.AcquireAsync(state.Path, "reboot", Hour, TimeSpan.Zero, time);

        var busy = await Assert.ThrowsAsync<FleetLockBusyException>(() => FleetLock.AcquireAsync(state.Path, "upgrade", Hour, TimeSpan.Zero, time));

        Assert.Equal(held.Holder, busy.Holder);
        Assert.Contains($"pid {Environment.ProcessId}", busy.Message, StringComparison.Ordinal);
        Assert.Contains("reboot since 2026-11-22 14:30:05 UTC", busy.Message, StringComparison.Ordinal);
        Assert.Contains("expires at 2026-11-22 15:30:05 UTC", busy.Message, StringComparison.Ordinal);
        Assert.Equal(held.Holder, FleetLock.Read(state.Path));
    }

    [Fact]
    public async Task Releasing_the_lock_lets_the_next_orchestrator_take_it()
    {
        using var state = new TempDirectory();
        var time = new ManualTimeProvider();
        var first = await FleetLock.AcquireAsync(state.Path, "reboot", Hour, TimeSpan.Zero, time);
        await first.DisposeAsync();

        Assert.Null(FleetLock.Read(state.Path));
        await using var second = await FleetLock.AcquireAsync(state.Path, "reboot", Hour, TimeSpan.Zero, time);
        Assert.NotEqual(first.Holder.Token, second.Holder.Token);
    }

    [Fact]
    public async Task A_lock_past_its_ttl_is_stale_and_is_taken_over_and_its_old_holder_does_not_remove_the_new_one()
    {
        using var state = new TempDirectory();
        var time = new ManualTimeProvider();
        var killed = await FleetLock.AcquireAsync(state.Path, "reboot", Hour, TimeSpan.Zero, time);

        // The holder stopped renewing (its clock never ticked a renewal): an hour later the lock expired.
        time.Advance(Hour + TimeSpan.FromSeconds(1));
        await using var next = await FleetLock.AcquireAsync(state.Path, "upgrade", Hour, TimeSpan.Zero, time);
        await killed.DisposeAsync();

        Assert.Equal(next.Holder, FleetLock.Read(state.Path));
        Assert.Equal("upgrade", FleetLock.Read(state.Path)!.Operation);
    }

    [Fact]
    public async Task An_unreadable_lock_file_counts_as_stale()
    {
        using var state = new TempDirectory();
        state.Write(FleetLock.FileName, "{ half written");

        await using var held = await FleetLock.AcquireAsync(state.Path, "reboot", Hour, TimeSpan.Zero, new ManualTimeProvider());

        Assert.Equal(held.Holder, FleetLock.Read(state.Path));
    }

    [Fact]
    public async Task Only_one_of_many_concurrent_orchestrators_gets_the_lock()
    {
        using var state = new TempDirectory();
        var time = new ManualTimeProvider();

        var attempts = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(async () =>
        {
            try
            {
                return await FleetLock.AcquireAsync(state.Path, "reboot", Hour, TimeSpan.Zero, time);
            }
            catch (FleetLockBusyException)
            {
                return null;
            }
        })));

        var winner = Assert.Single(attempts, a => a is not null)!;
        Assert.Equal(winner.Holder, FleetLock.Read(state.Path));
        await winner.DisposeAsync();
    }
}
