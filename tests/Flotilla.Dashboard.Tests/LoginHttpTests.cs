using System.Net;
using Flotilla.Dashboard.Tests.Support;

namespace Flotilla.Dashboard.Tests;

/// <summary>The login and the session over HTTP against a real Kestrel on loopback.</summary>
public sealed class LoginHttpTests
{
    [Fact]
    public async Task The_login_page_renders_without_a_session_and_says_Flotilla_and_NixFleet()
    {
        await using var host = await DashboardHost.StartAsync();
        using var client = new Browserless(host.Address);

        var response = await client.Http.GetAsync("/login");
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("<title>Log in - Flotilla</title>", html, StringComparison.Ordinal);
        // Seed 004's post-migration check greps the login page for "NixFleet".
        Assert.Contains("NixFleet", html, StringComparison.Ordinal);
        Assert.Contains("type=\"password\"", html, StringComparison.Ordinal);
        Assert.Contains("one-time-code", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/audit")]
    [InlineData("/runs")]
    [InlineData("/enroll")]
    [InlineData("/hosts/web01")]
    public async Task Every_other_page_redirects_to_login_without_a_session(string path)
    {
        await using var host = await DashboardHost.StartAsync();
        using var client = new Browserless(host.Address);

        var response = await client.Http.GetAsync(path);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/login", response.Headers.Location!.OriginalString, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/events")]
    [InlineData("/events/commands/c1")]
    [InlineData("/events/runs/x")]
    public async Task Event_streams_answer_401_without_a_session(string path)
    {
        await using var host = await DashboardHost.StartAsync();
        using var client = new Browserless(host.Address);

        var response = await client.Http.GetAsync(path);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task A_post_to_login_without_its_antiforgery_token_is_refused_with_400()
    {
        await using var host = await DashboardHost.StartAsync();
        using var client = new Browserless(host.Address);
        await client.Http.GetStringAsync("/login");

        var response = await client.PostFormAsync("/login", ("Password", DashboardHost.Password), ("Code", host.Code()));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(response.Headers.Location);
        var audit = await host.Get<IAuditLog>().ListAsync(10);
        Assert.Empty(audit);
    }

    [Fact]
    public async Task Password_and_code_log_in_with_an_HttpOnly_SameSite_cookie_and_pages_open()
    {
        await using var host = await DashboardHost.StartAsync();
        using var client = new Browserless(host.Address);

        var response = await client.LogInAsync(host);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/", response.Headers.Location!.OriginalString);
        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith("flotilla_session=", StringComparison.Ordinal));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("secure", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.OK, (await client.Http.GetAsync("/audit")).StatusCode);
        var login = (await host.Get<IAuditLog>().ListAsync(10))[0];
        Assert.Equal(("admin", "login", "ok", "127.0.0.1"), (login.Actor, login.Action, login.Result, login.ClientAddress));
    }

    [Fact]
    public async Task Behind_a_proxy_that_says_https_the_cookie_is_Secure()
    {
        await using var host = await DashboardHost.StartAsync();
        using var client = new Browserless(host.Address);

        var response = await client.LogInAsync(host, forwardedProto: "https");

        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith("flotilla_session=", StringComparison.Ordinal));
        Assert.Contains("secure", cookie, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_wrong_code_and_a_replayed_code_are_refused()
    {
        await using var host = await DashboardHost.StartAsync();
        using var first = new Browserless(host.Address);
        using var second = new Browserless(host.Address);
        using var third = new Browserless(host.Address);
        var code = host.Code();
        var wrong = code == "000000" ? "111111" : "000000";

        Assert.Equal(HttpStatusCode.Unauthorized, (await first.LogInAsync(host, wrong)).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await second.LogInAsync(host, code)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await third.LogInAsync(host, code)).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await third.Http.GetAsync("/")).StatusCode);
        var results = (await host.Get<IAuditLog>().ListAsync(10)).Select(e => e.Result).Reverse();
        Assert.Equal(["wrong totp code", "ok", "totp replayed"], results);
    }

    [Fact]
    public async Task Too_many_failures_lock_the_address_out_with_429_and_Retry_After()
    {
        await using var host = await DashboardHost.StartAsync(configure: o => o.LoginThrottle = new Security.LoginThrottleOptions { MaxFailures = 3 });
        using var client = new Browserless(host.Address);

        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.LogInAsync(host, password: "wrong")).StatusCode);
        }

        var third = await client.LogInAsync(host, password: "wrong");
        var afterwards = await client.LogInAsync(host);

        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, afterwards.StatusCode);
        Assert.Equal(TimeSpan.FromMinutes(5), afterwards.Headers.RetryAfter!.Delta);
    }

    [Fact]
    public async Task With_a_keys_directory_a_login_form_opened_before_a_restart_posts_after_it_and_the_keys_are_private()
    {
        using var keys = new TempDirectory();
        var directory = Path.Combine(keys.Path, "keys");
        string page;
        var cookies = new CookieContainer();
        await using (var before = await DashboardHost.StartAsync(configure: o => o.KeysDirectory = directory))
        {
            using var client = new Browserless(before.Address);
            page = await client.Http.GetStringAsync("/login");
            foreach (Cookie cookie in client.Cookies.GetAllCookies())
            {
                cookies.Add(cookie);
            }
        }

        await using var after = await DashboardHost.StartAsync(configure: o => o.KeysDirectory = directory);
        using var again = new Browserless(after.Address);
        foreach (Cookie cookie in cookies.GetAllCookies())
        {
            again.Cookies.Add(after.Address, new Cookie(cookie.Name, cookie.Value));
        }

        var response = await again.PostFormAsync("/login", ("__csrf", Browserless.FormToken(page)), ("Password", DashboardHost.Password), ("Code", after.Code()));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(directory));
            var key = Assert.Single(Directory.EnumerateFiles(directory));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
        }
    }

    [Fact]
    public async Task Parallel_wrong_passwords_from_one_address_get_no_more_checks_than_the_limit()
    {
        // A real cost, so each check takes long enough for the others to arrive while it runs.
        await using var host = await DashboardHost.StartAsync(passwordCost: 10);
        var clients = Enumerable.Range(0, 20).Select(_ => new Browserless(host.Address)).ToList();
        try
        {
            var forms = await Task.WhenAll(clients.Select(async c => Browserless.FormToken(await c.Http.GetStringAsync("/login"))));

            var statuses = await Task.WhenAll(clients.Select(async (c, i) =>
                (await c.PostFormAsync("/login", ("__csrf", forms[i]), ("Password", "wrong"), ("Code", host.Code()))).StatusCode));

            var results = (await host.Get<IAuditLog>().ListAsync(100)).Select(e => e.Result).ToList();
            Assert.Equal(20, results.Count);
            Assert.Equal(5, results.Count(r => r == "wrong password"));
            Assert.Equal(15, results.Count(r => r == "locked out"));
            // The checked ones may answer 429 too: the address is locked out by the time they end.
            Assert.All(statuses, s => Assert.True(s is HttpStatusCode.Unauthorized or HttpStatusCode.TooManyRequests, s.ToString()));
            Assert.True(statuses.Count(s => s == HttpStatusCode.TooManyRequests) >= 16);
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }

    [Fact]
    public async Task Logging_out_ends_the_session_on_the_server()
    {
        await using var host = await DashboardHost.StartAsync();
        using var client = new Browserless(host.Address);
        await client.LogInAsync(host);
        var sessionCookie = client.Cookies.GetCookies(host.Address)["flotilla_session"]!.Value;
        var page = await client.Http.GetStringAsync("/audit");

        var response = await client.PostFormAsync("/logout", ("__csrf", Browserless.FormToken(page)));

        Assert.Equal("/login", response.Headers.Location!.OriginalString);
        using var replay = new Browserless(host.Address);
        replay.Cookies.Add(host.Address, new Cookie("flotilla_session", sessionCookie));
        Assert.Equal(HttpStatusCode.Redirect, (await replay.Http.GetAsync("/audit")).StatusCode);
    }

    [Fact]
    public async Task A_forged_session_cookie_is_not_a_session()
    {
        await using var host = await DashboardHost.StartAsync();
        using var client = new Browserless(host.Address);
        client.Cookies.Add(host.Address, new Cookie("flotilla_session", "AAAA.BBBB"));

        Assert.Equal(HttpStatusCode.Redirect, (await client.Http.GetAsync("/")).StatusCode);
    }

    [Fact]
    public async Task With_no_user_the_login_page_says_how_to_make_one_and_nobody_logs_in()
    {
        await using var host = await DashboardHost.StartAsync(withUser: false);
        using var client = new Browserless(host.Address);

        var html = await client.Http.GetStringAsync("/login");
        var response = await client.LogInAsync(host);

        Assert.Contains("flotilla passwd --totp", html, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Responses_carry_a_content_security_policy_and_no_framing()
    {
        await using var host = await DashboardHost.StartAsync();
        using var client = new Browserless(host.Address);

        var response = await client.Http.GetAsync("/login");

        Assert.Contains("script-src 'self'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
    }

    [Theory]
    [InlineData("/audit", "/audit")]
    [InlineData("//evil.example/x", "/")]
    [InlineData("https://evil.example/", "/")]
    [InlineData("/\\evil.example", "/")]
    public async Task After_login_only_a_local_return_url_is_followed(string returnUrl, string expected)
    {
        await using var host = await DashboardHost.StartAsync();
        using var client = new Browserless(host.Address);
        var page = await client.Http.GetStringAsync("/login?returnUrl=" + Uri.EscapeDataString(returnUrl));

        var response = await client.PostFormAsync("/login?returnUrl=" + Uri.EscapeDataString(returnUrl), ("__csrf", Browserless.FormToken(page)), ("Password", DashboardHost.Password), ("Code", host.Code()));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal(expected, response.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task A_page_asked_for_without_a_session_is_where_the_login_returns_to()
    {
        await using var host = await DashboardHost.StartAsync();
        using var client = new Browserless(host.Address);

        var redirect = await client.Http.GetAsync("/runs?x=1");

        Assert.Equal("/login?returnUrl=%2Fruns%3Fx%3D1", redirect.Headers.Location!.OriginalString);
    }
}
