using Microsoft.Extensions.Time.Testing;
using Flotilla.Dashboard.Internal;
using Microsoft.Extensions.Logging.Abstractions;

namespace Flotilla.Dashboard.Tests;

public sealed class SessionSweeperTests
{
    [Fact]
    public async Task Expired_sessions_are_swept_and_live_ones_kept()
    {
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));
        var store = new InMemorySessionStore();
        var now = time.GetUtcNow();
        await store.CreateAsync(new DashboardSession("old", "admin", now.AddHours(-13), now.AddHours(-1), now.AddHours(-2), "127.0.0.1"));
        await store.CreateAsync(new DashboardSession("new", "admin", now, now.AddHours(12), now, "127.0.0.1"));
        var sweeper = new SessionSweeper(store, time, NullLogger<SessionSweeper>.Instance);

        Assert.Equal(1, await sweeper.SweepOnceAsync(CancellationToken.None));

        Assert.Null(await store.FindAsync("old"));
        Assert.NotNull(await store.FindAsync("new"));
    }
}
