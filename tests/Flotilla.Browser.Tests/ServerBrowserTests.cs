using System.Net;
using System.Text.RegularExpressions;
using Flotilla.ControlPlane;
using Flotilla.Contracts;
using static Microsoft.Playwright.Assertions;
using Store = Flotilla.ControlPlane.Store;

namespace Flotilla.Browser.Tests;

/// <summary>
/// The acceptance tests against the real server: <c>flotilla serve</c>'s control plane with the
/// dashboard, its SQLite store, and real <c>flotilla agent</c> processes.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed partial class ServerBrowserTests(Chromium chromium)
{
    private static async Task MarkPageAsync(IPage page) => await page.EvaluateAsync("() => { window.notReloaded = true; }");

    private static async Task AssertNotReloadedAsync(IPage page) => Assert.True(await page.EvaluateAsync<bool>("() => window.notReloaded === true"), "the page was reloaded");

    [Fact]
    public async Task Logging_in_to_the_server_with_password_and_TOTP_opens_the_fleet()
    {
        await using var session = await ServerSession.StartAsync(chromium);
        await session.Page.GotoAsync(session.Url("/"));
        await Expect(session.Page).ToHaveURLAsync(LoginPattern());
        await Screenshots.SaveAsync(session.Page, "server-login");

        await session.LogInAsync();

        await Expect(session.Page).ToHaveURLAsync(session.Url("/"));
        await Expect(session.Page.GetByRole(AriaRole.Heading, new() { Name = "Fleet" })).ToBeVisibleAsync();
        await Expect(session.Page.Locator("header .who")).ToHaveTextAsync("admin");
        var login = (await session.Store.ListAsync(1))[0];
        Assert.Equal(("login", "admin", "ok"), (login.Action, login.Actor, login.Result));
    }

    [Fact]
    public async Task The_server_refuses_a_wrong_TOTP_code()
    {
        await using var session = await ServerSession.StartAsync(chromium);
        var right = session.FreshCode();

        await session.LogInAsync(code: right == "000000" ? "999999" : "000000");

        await Expect(session.Page).ToHaveURLAsync(LoginPattern());
        await Expect(session.Page.Locator("#login-error")).ToContainTextAsync("Wrong password or code");
        await Screenshots.SaveAsync(session.Page, "server-login-refused");
        Assert.NotEqual("ok", (await session.Store.ListAsync(1))[0].Result);
    }

    [Fact]
    public async Task The_server_refuses_a_replayed_TOTP_code_from_its_store()
    {
        await using var session = await ServerSession.StartAsync(chromium);
        var code = session.FreshCode();
        await session.LogInAsync(code: code);
        await Expect(session.Page).ToHaveURLAsync(session.Url("/"));

        var other = await session.Context.Browser!.NewContextAsync();
        try
        {
            var page = await other.NewPageAsync();
            await session.LogInAsync(page, code);

            await Expect(page).ToHaveURLAsync(LoginPattern());
            await Expect(page.Locator("#login-error")).ToBeVisibleAsync();
            Assert.Equal("totp replayed", (await session.Store.ListAsync(1))[0].Result);
        }
        finally
        {
            await other.CloseAsync();
        }
    }

    [Fact]
    public async Task An_agent_process_that_comes_online_appears_on_the_fleet_page_without_a_reload()
    {
        await using var session = await ServerSession.StartAsync(chromium);
        var web1 = await session.AddHostAsync("web1");
        await session.AddHostAsync("db1");
        await session.LogInAsync();
        await Expect(session.Page.Locator("tr[data-host=web1] [data-field=status]")).ToHaveTextAsync("offline");
        await Expect(session.Page.Locator("body[data-live=connected]")).ToHaveCountAsync(1);
        await MarkPageAsync(session.Page);

        session.StartAgent(web1);

        await Expect(session.Page.Locator("tr[data-host=web1] [data-field=status]")).ToHaveTextAsync("online", new() { Timeout = 60_000 });
        await Expect(session.Page.Locator("tr[data-host=web1] [data-field=cpu]")).ToHaveTextAsync(PercentPattern(), new() { Timeout = 30_000 });
        await Expect(session.Page.Locator("tr[data-host=db1] [data-field=status]")).ToHaveTextAsync("offline");
        await AssertNotReloadedAsync(session.Page);
        await Screenshots.SaveAsync(session.Page, "server-fleet");
    }

    [Fact]
    public async Task Hosts_are_compared_with_the_fleet_s_repository_live_and_filtered_by_the_inventory_s_and_the_agent_s_tags()
    {
        using var repositories = new TempDirectory();
        var fleet = await FleetRepository.CreateAsync(Path.Combine(repositories.Path, "fleet"));
        await using var session = await ServerSession.StartAsync(chromium, options =>
        {
            options.Inventory = fleet.Inventory;
            options.TargetRefresh = TimeSpan.FromMilliseconds(500);
        });
        // The agent's own clone, as NixFleet's agents keep one.
        var clone = Path.Combine(repositories.Path, "clone");
        await FleetRepository.Git(repositories.Path, "clone", "-q", fleet.Directory, clone);
        var web1 = await session.AddHostAsync("web1");
        await session.AddHostAsync("db1");
        session.StartAgent(web1, clone, "edge");
        await session.LogInAsync();
        await MarkPageAsync(session.Page);

        var row = session.Page.Locator("tr[data-host=web1]");
        await Expect(row.Locator("[data-field=status]")).ToHaveTextAsync("online", new() { Timeout = 60_000 });
        await Expect(row.Locator(".drift-ok[title^='git:']")).ToHaveCountAsync(1, new() { Timeout = 30_000 });
        await Expect(row.Locator(".drift-ok[title^='lock:']")).ToHaveCountAsync(1);
        await Expect(row).ToHaveAttributeAsync("data-tags", "edge web");

        // The fleet moves on (a new flake.lock, committed): the host is behind, without a reload.
        await File.WriteAllTextAsync(fleet.LockFile, """{ "nodes": { "root": { "inputs": {} } }, "root": "root", "version": 7 }""");
        await fleet.CommitAsync("update the lock");
        await Expect(row.Locator(".drift-outdated[title^='git:']")).ToHaveCountAsync(1, new() { Timeout = 30_000 });
        await Expect(row.Locator(".drift-outdated[title^='lock:']")).ToHaveCountAsync(1);
        await Expect(row.Locator(".drift-outdated[title^='git:']")).ToHaveAttributeAsync("title", new Regex("pull$"));
        await Screenshots.SaveAsync(session.Page, "server-fleet-drift");

        // The host pulls: its agent notices and reports, and it is current again.
        await FleetRepository.Git(clone, "pull", "-q", "--ff-only");
        await Expect(row.Locator(".drift-ok[title^='git:']")).ToHaveCountAsync(1, new() { Timeout = 30_000 });
        await Expect(row.Locator(".drift-ok[title^='lock:']")).ToHaveCountAsync(1);
        // The tags arrived live too: the filter lists them.
        await Expect(session.Page.Locator("nav.tags a")).ToHaveTextAsync(["all", "edge", "web"]);
        await AssertNotReloadedAsync(session.Page);

        // Tags from the inventory (web) and from the agent (edge) filter the fleet.
        await session.Page.ReloadAsync();
        await Expect(session.Page.Locator("nav.tags a")).ToHaveTextAsync(["all", "edge", "web"]);
        await session.Page.Locator("nav.tags a", new() { HasTextString = "web" }).ClickAsync();
        await Expect(session.Page.Locator("#fleet tbody tr")).ToHaveCountAsync(1);
        await Expect(session.Page.Locator("tr[data-host=web1]")).ToHaveCountAsync(1);
        await Expect(session.Page.Locator("#target")).ToContainTextAsync(fleet.Inventory);
    }

    [Fact]
    public async Task A_command_s_output_from_a_real_agent_streams_into_the_host_page_and_is_audited()
    {
        await using var session = await ServerSession.StartAsync(chromium);
        session.StartAgent(await session.AddHostAsync("web1"));
        await session.LogInAsync();
        await Expect(session.Page.Locator("tr[data-host=web1] [data-field=status]")).ToHaveTextAsync("online", new() { Timeout = 60_000 });
        await session.Page.GotoAsync(session.Url("/hosts/web1"));
        await MarkPageAsync(session.Page);

        await session.Page.Locator("#operation").SelectOptionAsync("exec");
        await session.Page.Locator("#command-line").FillAsync("for i in $(seq 1 300); do echo \"line $i\"; done; echo oops >&2; sleep 1; echo done");
        await session.Page.Locator("#send input[name=SecondFactor]").FillAsync(session.FreshCode());
        await session.Page.GetByRole(AriaRole.Button, new() { Name = "Send" }).ClickAsync();

        await Expect(session.Page.Locator("#output")).ToHaveAttributeAsync("data-finished", "true", new() { Timeout = 60_000 });
        await Expect(session.Page.Locator("#output")).ToHaveAttributeAsync("data-lines", "302");
        await Expect(session.Page.Locator("#output span").Last).ToHaveTextAsync("done\n");
        await Expect(session.Page.Locator("#output-state")).ToHaveTextAsync("succeeded");
        await Screenshots.SaveAsync(session.Page, "server-host-output");

        // A reload shows the stored history, in order, once.
        await session.Page.ReloadAsync();
        await Expect(session.Page.Locator("#output")).ToHaveAttributeAsync("data-lines", "302");
        var sequences = await session.Page.Locator("#output span").EvaluateAllAsync<long[]>("spans => spans.map(s => Number(s.dataset.seq))");
        Assert.Equal(Enumerable.Range(1, 302).Select(i => (long)i), sequences);

        var command = Assert.Single(await session.Store.ListCommandsAsync(new Store.CommandQuery(Host: "web1")));
        Assert.Equal((Ops.Exec, CommandState.Succeeded, "admin"), (command.Op, command.State, command.RequestedBy));
        var audit = await session.Store.ListAsync(10);
        var sent = audit.First(e => e.Action == "command");
        Assert.Equal(("admin", "web1"), (sent.Actor, sent.Target));
        Assert.Contains("seq 1 300", sent.Detail, StringComparison.Ordinal);
        Assert.Contains(command.Id, sent.Result, StringComparison.Ordinal);
        Assert.Contains(audit, e => e.Action == "command-result" && e.Target == "web1" && e.Result == "succeeded (exit 0)");

        await session.Page.GotoAsync(session.Url("/audit"));
        await Expect(session.Page.Locator("table.audit tbody tr").First).ToContainTextAsync("web1");
        await Screenshots.SaveAsync(session.Page, "server-audit");
    }

    [Fact]
    public async Task Reboot_asks_the_server_for_a_fresh_TOTP_code()
    {
        await using var session = await ServerSession.StartAsync(chromium);

        // No agent ever connects for these hosts: the reboot stays queued (this machine is not rebooted).
        await session.AddHostAsync("hsb0");
        await session.AddHostAsync("hsb1");
        var loginCode = session.FreshCode();
        await session.LogInAsync(code: loginCode);

        async Task RebootBothAsync(string? code)
        {
            await session.Page.Locator("tr[data-host=hsb0] input[type=checkbox]").CheckAsync();
            await session.Page.Locator("tr[data-host=hsb1] input[type=checkbox]").CheckAsync();
            await session.Page.GetByLabel("Operation").SelectOptionAsync("reboot");
            if (code is not null)
            {
                await session.Page.Locator("#bulk input[name=SecondFactor]").FillAsync(code);
            }

            await session.Page.GetByRole(AriaRole.Button, new() { Name = "Send" }).ClickAsync();
        }

        await RebootBothAsync(null);
        await Expect(session.Page.Locator("#message.error")).ToContainTextAsync("needs a fresh code");
        await Screenshots.SaveAsync(session.Page, "server-reboot-needs-code");
        await RebootBothAsync(loginCode);
        await Expect(session.Page.Locator("#message.error")).ToContainTextAsync("needs a fresh code");
        Assert.Empty(await session.Store.ListCommandsAsync(new Store.CommandQuery()));

        await RebootBothAsync(session.FreshCode());

        await Expect(session.Page.Locator("#message")).ToHaveTextAsync("Sent reboot to 2 hosts.");
        var commands = await session.Store.ListCommandsAsync(new Store.CommandQuery());
        Assert.Equal(["hsb0", "hsb1"], commands.Select(c => c.Host).Order());
        Assert.All(commands, c => Assert.Equal((Ops.Reboot, CommandState.Queued), (c.Op, c.State)));
        var audit = await session.Store.ListAsync(10);
        Assert.Equal(("command", "hsb0,hsb1", "reboot"), (audit[0].Action, audit[0].Target, audit[0].Detail));
        Assert.Equal(["totp replayed", "wrong totp code"], audit.Where(e => e.Action == "step-up").Select(e => e.Result));
    }

    [Fact]
    public async Task A_post_without_its_antiforgery_token_is_rejected_by_the_server()
    {
        await using var session = await ServerSession.StartAsync(chromium);
        await session.AddHostAsync("web1");
        await session.Page.GotoAsync(session.Url("/login"));

        var login = await session.Page.EvaluateAsync<int>("""
            async ([password, code]) => (await fetch("/login", { method: "POST", body: new URLSearchParams({ Password: password, Code: code }) })).status
            """, new[] { ServerSession.Password, session.FreshCode() });
        Assert.Equal(400, login);
        Assert.Empty(await session.Store.ListAsync(10));

        // Logged in, the API takes the session; a POST with only the cookie needs the token too.
        await session.LogInAsync();
        await Expect(session.Page).ToHaveURLAsync(session.Url("/"));
        var hosts = await session.Page.EvaluateAsync<int>("async () => (await fetch('/api/hosts')).status");
        Assert.Equal(200, hosts);
        var post = await session.Page.EvaluateAsync<int>("""
            async () => (await fetch('/api/commands', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ on: 'web1', op: 'pull' }) })).status
            """);
        Assert.Equal(400, post);
        Assert.Empty(await session.Store.ListCommandsAsync(new Store.CommandQuery()));
    }

    [Fact]
    public async Task Logging_out_ends_the_session_on_the_server()
    {
        await using var session = await ServerSession.StartAsync(chromium);
        await session.LogInAsync();
        await Expect(session.Page).ToHaveURLAsync(session.Url("/"));
        await session.Page.GotoAsync(session.Url("/runs"));
        await Screenshots.SaveAsync(session.Page, "server-runs");
        await session.Page.GotoAsync(session.Url("/"));

        await session.Page.GetByRole(AriaRole.Button, new() { Name = "Log out" }).ClickAsync();

        await Expect(session.Page).ToHaveURLAsync(LoginPattern());
        await session.Page.GotoAsync(session.Url("/audit"));
        await Expect(session.Page).ToHaveURLAsync(LoginPattern());
        Assert.Equal(401, await session.Page.EvaluateAsync<int>("async () => (await fetch('/api/hosts')).status"));
        Assert.Equal("logout", (await session.Store.ListAsync(1))[0].Action);
    }

    [Fact]
    public async Task Without_credentials_pages_redirect_to_login_and_the_api_answers_401()
    {
        await using var session = await ServerSession.StartAsync(chromium);
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = session.Address };

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/login")).StatusCode);
        foreach (var page in new[] { "/", "/hosts/web1", "/runs", "/audit", "/enroll" })
        {
            using var response = await http.GetAsync(page);
            Assert.Equal(HttpStatusCode.Found, response.StatusCode);
            Assert.StartsWith("/login", response.Headers.Location!.OriginalString.Replace(session.Address.ToString().TrimEnd('/'), "", StringComparison.Ordinal), StringComparison.Ordinal);
        }

        foreach (var api in new[] { "/api/hosts", "/api/commands/x", "/events" })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync(api)).StatusCode);
        }

        // An API token still works, and /ws still wants a host token.
        var token = Tokens.NewApiToken();
        Assert.True(await session.Store.AddApiTokenAsync("ci", Tokens.Hash(token), DateTimeOffset.FromUnixTimeSeconds(1_800_000_000)));
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/hosts");
        request.Headers.Authorization = new("Bearer", token);
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(request)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/ws")).StatusCode);
    }

    [GeneratedRegex("/login(\\?.*)?$")]
    private static partial Regex LoginPattern();

    [GeneratedRegex("^\\d+%$")]
    private static partial Regex PercentPattern();
}
