using Microsoft.Extensions.Time.Testing;
using System.Net;
using Flotilla.Dashboard.Tests.Support;

namespace Flotilla.Dashboard.Tests;

public sealed class SessionExpiryTests
{
    [Fact]
    public async Task A_session_ends_after_the_idle_timeout_and_after_its_lifetime()
    {
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));
        await using var host = await DashboardHost.StartAsync(time: time, configure: o =>
        {
            o.IdleTimeout = TimeSpan.FromMinutes(30);
            o.SessionLifetime = TimeSpan.FromHours(2);
        });
        using var client = new Browserless(host.Address);
        await client.LogInAsync(host);

        for (var i = 0; i < 5; i++)
        {
            time.Advance(TimeSpan.FromMinutes(20));
            Assert.Equal(HttpStatusCode.OK, (await client.Http.GetAsync("/audit")).StatusCode);
        }

        time.Advance(TimeSpan.FromMinutes(20));
        Assert.Equal(HttpStatusCode.Redirect, (await client.Http.GetAsync("/audit")).StatusCode);

        using var idle = new Browserless(host.Address);
        time.Advance(TimeSpan.FromSeconds(30));
        await idle.LogInAsync(host);
        time.Advance(TimeSpan.FromMinutes(31));
        Assert.Equal(HttpStatusCode.Redirect, (await idle.Http.GetAsync("/audit")).StatusCode);
    }

    [Fact]
    public async Task A_failed_login_does_not_put_the_password_or_code_back_into_the_page()
    {
        await using var host = await DashboardHost.StartAsync();
        using var client = new Browserless(host.Address);

        var response = await client.LogInAsync(host, code: "424242", password: "not-the-password-xyz");
        var html = await response.Content.ReadAsStringAsync();

        Assert.DoesNotContain("424242", html, StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-password-xyz", html, StringComparison.Ordinal);
    }
}
