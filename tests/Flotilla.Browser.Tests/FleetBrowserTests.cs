using Flotilla.Contracts;
using System.Collections.Immutable;
using Flotilla.Execution;
using Flotilla.Planning;
using static Microsoft.Playwright.Assertions;

namespace Flotilla.Browser.Tests;

[Collection(BrowserCollection.Name)]
public sealed class FleetBrowserTests(Chromium chromium)
{
    private static async Task MarkPageAsync(IPage page) => await page.EvaluateAsync("() => { window.notReloaded = true; }");

    private static async Task AssertNotReloadedAsync(IPage page) => Assert.True(await page.EvaluateAsync<bool>("() => window.notReloaded === true"), "the page was reloaded");

    [Fact]
    public async Task An_agent_that_comes_online_appears_on_the_fleet_page_without_a_reload()
    {
        await using var session = await BrowserSession.StartAsync(chromium);
        session.Host.Fleet.SetHost(TestFleet.Host("hsb0", online: true, "home"));
        session.Host.Fleet.SetHost(TestFleet.Host("csb1", online: false, "cloud"));
        await session.LogInAsync();
        await MarkPageAsync(session.Page);

        session.Host.Fleet.SetHost(TestFleet.Host("gpc0", online: true, "home"));
        session.Host.Fleet.SetHost(TestFleet.Host("csb1", online: true, "cloud") with { Metrics = new HostMetrics(87, MemoryTotalBytes: 1000, MemoryUsedBytes: 500, SwapTotalBytes: 0, SwapUsedBytes: 0, Load1: 3.5, Load5: 3, Load15: 2, DiskTotalBytes: 1000, DiskUsedBytes: 920) });

        await Expect(session.Page.Locator("tr[data-host=gpc0] [data-field=status]")).ToHaveTextAsync("online");
        await Expect(session.Page.Locator("tr[data-host=csb1] [data-field=status]")).ToHaveTextAsync("online");
        await Expect(session.Page.Locator("tr[data-host=csb1] [data-field=cpu]")).ToHaveTextAsync("87%");
        await Expect(session.Page.Locator("#online-count")).ToHaveTextAsync("3");
        await AssertNotReloadedAsync(session.Page);
        await Expect(session.Page.Locator("tr[data-host=gpc0] .drift-failed")).ToHaveAttributeAsync("title", "tests: failed - nginx: 500");
        await Screenshots.SaveAsync(session.Page, "fleet");
    }

    [Fact]
    public async Task Containers_that_go_down_are_counted_on_the_fleet_page_and_listed_on_the_host_page_live()
    {
        await using var session = await BrowserSession.StartAsync(chromium);
        session.Host.Fleet.SetHost(TestFleet.Host("media"));
        session.Host.Fleet.SetHost(TestFleet.Host("home"));
        var sonarr = new ContainerState("sonarr", "lscr.io/linuxserver/sonarr:latest", "running", "Up 5 minutes");
        var prowlarr = new ContainerState("prowlarr", "lscr.io/linuxserver/prowlarr:latest", "running", "Up 5 minutes");
        session.Host.Fleet.SetContainers("media", sonarr, prowlarr);
        await session.LogInAsync();
        await MarkPageAsync(session.Page);
        await Expect(session.Page.Locator("tr[data-host=media] [data-field=containers]")).ToHaveTextAsync("2");
        await Expect(session.Page.Locator("#containers-down-note")).ToBeHiddenAsync();

        // A heartbeat says prowlarr exited and homebridge (another host) is unhealthy by its own check.
        session.Host.Fleet.SetContainers("media", sonarr, prowlarr with { State = "exited", Status = "Exited (137) 2 seconds ago", ExitCode = 137 });
        session.Host.Fleet.SetContainers("home", new ContainerState("homebridge", "ghcr.io/homebridge/homebridge", "running", "Up 1 hour (unhealthy)"));

        await Expect(session.Page.Locator("tr[data-host=media] [data-field=containers]")).ToHaveTextAsync("1 of 2 down");
        await Expect(session.Page.Locator("tr[data-host=media] [data-field=containers]")).ToHaveClassAsync("containers-down");
        await Expect(session.Page.Locator("tr[data-host=home] [data-field=containers]")).ToHaveTextAsync("1 of 1 down");
        await Expect(session.Page.Locator("#containers-down")).ToHaveTextAsync("2");
        await Expect(session.Page.Locator("#containers-down-note")).ToBeVisibleAsync();
        await AssertNotReloadedAsync(session.Page);

        // The host page follows its containers: one comes back, a new one appears, without a reload.
        await session.Page.GotoAsync(session.Url("/hosts/media"));
        await MarkPageAsync(session.Page);
        await Expect(session.Page.Locator("tr[data-container=prowlarr] [data-field=state]")).ToHaveTextAsync("exited");
        await Expect(session.Page.Locator("#containers-down-count")).ToHaveTextAsync("1");
        session.Host.Fleet.SetContainers("media", sonarr, prowlarr, new ContainerState("bazarr", "lscr.io/linuxserver/bazarr:latest", "created", "Created"));
        await Expect(session.Page.Locator("tr[data-container=prowlarr] [data-field=state]")).ToHaveTextAsync("running");
        await Expect(session.Page.Locator("tr[data-container=prowlarr] [data-field=state]")).ToHaveClassAsync("state-succeeded");
        await Expect(session.Page.Locator("tr[data-container=bazarr] [data-field=state]")).ToHaveTextAsync("created");
        await Expect(session.Page.Locator("#containers-down-count")).ToHaveTextAsync("1");
        await Expect(session.Page.Locator("table.single [data-field=containers]")).ToHaveTextAsync("1 of 3 down");
        await AssertNotReloadedAsync(session.Page);
        await Screenshots.SaveAsync(session.Page, "host-containers");
    }

    [Fact]
    public async Task A_storage_alert_appears_on_the_fleet_page_and_the_host_page_live_and_clears()
    {
        await using var session = await BrowserSession.StartAsync(chromium);
        var ok = new StorageUsage("/fun", 1000, 500, 100, 10);
        session.Host.Fleet.SetHost(TestFleet.Host("media") with { Storage = [ok] });
        await session.LogInAsync();
        await MarkPageAsync(session.Page);
        await Expect(session.Page.Locator("#storage-alerts")).ToBeHiddenAsync();

        session.Host.Fleet.SetHost(TestFleet.Host("media") with { Storage = [ok with { UsedBytes = 950, GrowthBytesPerHour = 25, HoursToFull = 2 }] });

        var alert = session.Page.Locator("#storage-alerts li[data-host=media]");
        await Expect(alert).ToHaveClassAsync("alert-critical");
        await Expect(alert).ToContainTextAsync("/fun: 95% of space used (critical at 90%); full in about 2 h at its growth");
        await AssertNotReloadedAsync(session.Page);

        await session.Page.GotoAsync(session.Url("/hosts/media"));
        await MarkPageAsync(session.Page);
        await Expect(session.Page.Locator("#storage tr[data-path='/fun']")).ToHaveClassAsync("storage-critical");
        await Screenshots.SaveAsync(session.Page, "host-storage");
        session.Host.Fleet.SetHost(TestFleet.Host("media") with { Storage = [ok with { UsedBytes = 850 }] });
        await Expect(session.Page.Locator("#storage tr[data-path='/fun']")).ToHaveClassAsync("storage-warning");
        await Expect(session.Page.Locator("#storage tr[data-path='/fun'] [data-field=state]")).ToHaveTextAsync("85% of space used (warning at 80%)");
        await AssertNotReloadedAsync(session.Page);

        await session.Page.GotoAsync(session.Url("/"));
        session.Host.Fleet.SetHost(TestFleet.Host("media") with { Storage = [ok] });
        await Expect(session.Page.Locator("#storage-alerts")).ToBeHiddenAsync();
    }

    [Fact]
    public async Task A_failed_backup_appears_on_the_fleet_page_and_in_the_host_page_s_backups_table_live_and_clears()
    {
        await using var session = await BrowserSession.StartAsync(chromium);
        var good = new DateTimeOffset(2026, 11, 20, 2, 0, 0, TimeSpan.Zero);
        var app = new BackupReport("app") { Tool = "restic", Time = good, Succeeded = true, Verified = true, Snapshot = "3992ab6d", Message = "snapshot 3992ab6d verified", LastGood = good, LastGoodSnapshot = "3992ab6d" };
        session.Host.Fleet.SetHost(TestFleet.Host("media") with { Backups = [app] });
        await session.LogInAsync();
        await MarkPageAsync(session.Page);
        await Expect(session.Page.Locator("#backup-alerts")).ToBeHiddenAsync();

        var failed = app with { Time = good.AddDays(1), Succeeded = false, Verified = false, Snapshot = null, Message = "restic backup failed (exit 1): Fatal: unable to open config file" };
        session.Host.Fleet.SetHost(TestFleet.Host("media") with { Backups = [failed] });

        var alert = session.Page.Locator("#backup-alerts li[data-host=media][data-service=app]");
        await Expect(alert).ToHaveClassAsync("alert-critical");
        await Expect(alert).ToContainTextAsync("media backup of app: the last backup failed: restic backup failed (exit 1): Fatal: unable to open config file");
        await AssertNotReloadedAsync(session.Page);

        await session.Page.GotoAsync(session.Url("/hosts/media"));
        await MarkPageAsync(session.Page);
        var row = session.Page.Locator("#backups tr[data-service=app]");
        await Expect(row).ToHaveClassAsync("backup-failed");
        await Expect(row.Locator("[data-field=last-good]")).ToHaveTextAsync("2026-11-20 02:00:00Z (3992ab6d)");
        await Expect(row.Locator("[data-field=verified]")).ToHaveTextAsync("no");
        await Screenshots.SaveAsync(session.Page, "host-backups");
        var next = good.AddDays(1).AddHours(1);
        session.Host.Fleet.SetHost(TestFleet.Host("media") with { Backups = [app with { Time = next, LastGood = next, Snapshot = "7a8b9c0d", LastGoodSnapshot = "7a8b9c0d", Message = "snapshot 7a8b9c0d verified" }] });
        await Expect(row).ToHaveClassAsync("backup-ok");
        await Expect(row.Locator("[data-field=last-good]")).ToHaveTextAsync("2026-11-21 03:00:00Z (7a8b9c0d)");
        await Expect(row.Locator("[data-field=verified]")).ToHaveTextAsync("yes");
        await Expect(row.Locator("[data-field=message]")).ToHaveTextAsync("snapshot 7a8b9c0d verified");
        await AssertNotReloadedAsync(session.Page);

        await session.Page.GotoAsync(session.Url("/"));
        await Expect(session.Page.Locator("#backup-alerts")).ToBeHiddenAsync();
    }

    [Fact]
    public async Task A_command_s_output_streams_in_and_is_still_there_after_a_reload()
    {
        await using var session = await BrowserSession.StartAsync(chromium);
        session.Host.Fleet.SetHost(TestFleet.Host("hsb0"));
        await session.LogInAsync();
        await session.Page.GotoAsync(session.Url("/hosts/hsb0"));
        await session.Page.Locator("#operation").SelectOptionAsync("exec");
        await session.Page.Locator("#command-line").FillAsync("journalctl -u nginx -n 500");
        await session.Page.Locator("#send input[name=SecondFactor]").FillAsync(session.FreshCode());
        await session.Page.GetByRole(AriaRole.Button, new() { Name = "Send" }).ClickAsync();
        await Expect(session.Page.Locator("#output")).ToHaveCountAsync(1);
        var id = Assert.Single(await session.Host.Fleet.ListAsync("hsb0", 10)).Id;
        Assert.Equal("/bin/sh|-c|journalctl -u nginx -n 500", string.Join("|", session.Host.Fleet.Requests.Single().Argv));
        await MarkPageAsync(session.Page);

        // The agent streams 2,000 lines as fast as it can.
        for (var i = 1; i <= 2000; i++)
        {
            session.Host.Fleet.Output(id, $"line {i}", i % 100 == 0 ? OutputStream.Stderr : OutputStream.Stdout);
        }

        await Expect(session.Page.Locator("#output")).ToHaveAttributeAsync("data-lines", "2000");
        await Expect(session.Page.Locator("#output span").Last).ToHaveTextAsync("line 2000\n");
        await Expect(session.Page.Locator("#output-state")).ToHaveTextAsync("running");
        await AssertNotReloadedAsync(session.Page);
        await Screenshots.SaveAsync(session.Page, "host-output");

        // A reload shows the history first, then follows.
        await session.Page.ReloadAsync();
        await Expect(session.Page.Locator("#output")).ToHaveAttributeAsync("data-lines", "2000");
        session.Host.Fleet.Output(id, "done");
        session.Host.Fleet.Complete(id, 0);
        await Expect(session.Page.Locator("#output")).ToHaveAttributeAsync("data-finished", "true");
        await Expect(session.Page.Locator("#output span").Last).ToHaveTextAsync("done\n");
        await Expect(session.Page.Locator("#output-state")).ToHaveTextAsync("succeeded");
        var sequences = await session.Page.Locator("#output span").EvaluateAllAsync<long[]>("spans => spans.map(s => Number(s.dataset.seq))");
        Assert.Equal(Enumerable.Range(1, 2001).Select(i => (long)i), sequences);
    }

    [Fact]
    public async Task Reboot_asks_for_a_fresh_TOTP_code()
    {
        await using var session = await BrowserSession.StartAsync(chromium);
        session.Host.Fleet.SetHost(TestFleet.Host("hsb0"));
        session.Host.Fleet.SetHost(TestFleet.Host("hsb1"));
        var loginCode = session.FreshCode();
        await session.LogInAsync(code: loginCode);
        await session.Page.Locator("tr[data-host=hsb0] input[type=checkbox]").CheckAsync();
        await session.Page.Locator("tr[data-host=hsb1] input[type=checkbox]").CheckAsync();
        await session.Page.GetByLabel("Operation").SelectOptionAsync("reboot");

        await session.Page.GetByRole(AriaRole.Button, new() { Name = "Send" }).ClickAsync();
        await Expect(session.Page.Locator("#message.error")).ToContainTextAsync("needs a fresh code");
        await Screenshots.SaveAsync(session.Page, "reboot-needs-code");
        Assert.Empty(session.Host.Fleet.Requests);

        // The code used to log in is not fresh.
        await session.Page.Locator("tr[data-host=hsb0] input[type=checkbox]").CheckAsync();
        await session.Page.Locator("tr[data-host=hsb1] input[type=checkbox]").CheckAsync();
        await session.Page.GetByLabel("Operation").SelectOptionAsync("reboot");
        await session.Page.Locator("#bulk input[name=SecondFactor]").FillAsync(loginCode);
        await session.Page.GetByRole(AriaRole.Button, new() { Name = "Send" }).ClickAsync();
        await Expect(session.Page.Locator("#message.error")).ToContainTextAsync("needs a fresh code");
        Assert.Empty(session.Host.Fleet.Requests);

        await session.Page.Locator("tr[data-host=hsb0] input[type=checkbox]").CheckAsync();
        await session.Page.Locator("tr[data-host=hsb1] input[type=checkbox]").CheckAsync();
        await session.Page.GetByLabel("Operation").SelectOptionAsync("reboot");
        await session.Page.Locator("#bulk input[name=SecondFactor]").FillAsync(session.FreshCode());
        await session.Page.GetByRole(AriaRole.Button, new() { Name = "Send" }).ClickAsync();

        await Expect(session.Page.Locator("#message")).ToHaveTextAsync("Sent reboot to 2 hosts.");
        var request = Assert.Single(session.Host.Fleet.Requests);
        Assert.Equal(("reboot", "hsb0,hsb1", "admin"), (request.Operation, string.Join(',', request.Hosts), request.RequestedBy));
        var audit = await session.Host.Get<IAuditLog>().ListAsync(10);
        Assert.Equal(("command", "hsb0,hsb1", "reboot"), (audit[0].Action, audit[0].Target, audit[0].Detail));
        Assert.Equal(["totp replayed", "wrong totp code"], audit.Where(e => e.Action == "step-up").Select(e => e.Result));
    }

    [Fact]
    public async Task A_switch_needs_no_code_and_the_audit_log_shows_who_sent_it()
    {
        await using var session = await BrowserSession.StartAsync(chromium);
        session.Host.Fleet.SetHost(TestFleet.Host("hsb0"));
        await session.LogInAsync();
        await session.Page.Locator("tr[data-host=hsb0] input[type=checkbox]").CheckAsync();
        await session.Page.GetByLabel("Operation").SelectOptionAsync("switch");
        await session.Page.GetByRole(AriaRole.Button, new() { Name = "Send" }).ClickAsync();
        await Expect(session.Page.Locator("#message")).ToHaveTextAsync("Sent switch to 1 host.");

        await session.Page.GotoAsync(session.Url("/audit"));

        await Expect(session.Page.Locator("table.audit tbody tr").First).ToContainTextAsync("switch");
        await Expect(session.Page.Locator("table.audit tbody tr").Nth(1)).ToContainTextAsync("login");
        await Screenshots.SaveAsync(session.Page, "audit");
    }

    [Fact]
    public async Task A_run_s_dependency_graph_is_drawn_and_its_steps_change_state_live()
    {
        using var state = new TempDirectory();
        await using var session = await BrowserSession.StartAsync(chromium, o => o.StateDirectory = state.Path);
        var plan = DeployPlan("db", "web01", "web02");
        var journal = await RunJournal.CreateAsync(state.Path, plan, new RunMetadata(Operation.Deploy, "/srv/fleet/flotilla.nix"));
        await using (journal)
        {
            await journal.AppendAsync([Event("build:db", "started"), Event("build:db", "succeeded"), Event("copy:db", "started")]);
            await session.LogInAsync();
            await using var passing = session.LetTimePass();
            await session.Page.GotoAsync(session.Url("/runs"));
            await Screenshots.SaveAsync(session.Page, "runs");
            await session.Page.GetByRole(AriaRole.Link, new() { Name = journal.Id }).ClickAsync();

            await Expect(session.Page.Locator("svg.plan-graph g.step")).ToHaveCountAsync(plan.Steps.Length);
            await Expect(session.Page.Locator("svg.plan-graph path.edge")).ToHaveCountAsync(plan.Steps.Sum(s => s.DependsOn.Length));
            await Expect(session.Page.Locator("g[data-step='build:db']")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("state-succeeded"));
            await Expect(session.Page.Locator("g[data-step='copy:db']")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("state-running"));
            await MarkPageAsync(session.Page);

            await journal.AppendAsync([Event("copy:db", "succeeded"), Event("activate:db", "started")]);

            await Expect(session.Page.Locator("g[data-step='activate:db']")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("state-running"));
            await Expect(session.Page.Locator("#steps tr[data-step='copy:db'] [data-field=state]")).ToHaveTextAsync("succeeded");
            await AssertNotReloadedAsync(session.Page);
            await Screenshots.SaveAsync(session.Page, "run");
        }
    }

    private static RunEvent Event(string step, string state) => new(
        DateTimeOffset.FromUnixTimeSeconds(1_800_000_000),
        step.Split(':')[1],
        step,
        StepKinds.Parse(step.Split(':')[0]),
        state switch { "started" => RunEventState.Started, "succeeded" => RunEventState.Succeeded, _ => RunEventState.Failed },
        null);

    /// <summary>A deploy plan as the planner makes it: web hosts activate after db is verified.</summary>
    internal static Plan DeployPlan(string database, params string[] webHosts)
    {
        var steps = ImmutableArray.CreateBuilder<PlanStep>();
        void Host(string host, params string[] activateAfter)
        {
            steps.Add(new PlanStep($"build:{host}", StepKind.Build, "build", host, null, []));
            steps.Add(new PlanStep($"copy:{host}", StepKind.Copy, "copy", host, null, [$"build:{host}"]));
            steps.Add(new PlanStep($"activate:{host}", StepKind.Activate, "activate", host, null, [$"copy:{host}", .. activateAfter]));
            steps.Add(new PlanStep($"verify:{host}", StepKind.Verify, "verify", host, null, [$"activate:{host}"]));
        }

        Host(database);
        foreach (var web in webHosts)
        {
            Host(web, $"verify:{database}");
        }

        return new Plan(Operation.Deploy, steps.ToImmutable());
    }
}
