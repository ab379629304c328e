using System.Text.Json;
using System.Text.RegularExpressions;
using Flotilla.ControlPlane;
using Flotilla.Tests;
using static Microsoft.Playwright.Assertions;

namespace Flotilla.Browser.Tests;

/// <summary>
/// Runs started from the dashboard of the real server (<c>serve -f</c>) over a lab fleet: the
/// engine's deploy, hosted by the server, reaches the lab hosts over SSH; the run page follows it.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed partial class RunLaunchBrowserTests(Chromium chromium)
{
    // gateway <- app <- web; app and web are the "web" tier.
    private const string Inventory = """
        {
          "hosts": {
            "gateway": { "target": "10.1.0.1", "tags": ["core"], "healthChecks": [ { "type": "http", "url": "http://localhost:8080/health" } ] },
            "app":     { "target": "10.1.0.2", "tags": ["web"], "dependsOn": ["gateway"], "healthChecks": [ { "type": "http", "url": "http://localhost:8080/health" } ] },
            "web":     { "target": "10.1.0.3", "tags": ["web"], "dependsOn": ["app"], "healthChecks": [ { "type": "http", "url": "http://localhost:8080/health" } ] }
          }
        }
        """;

    /// <summary>Each time a step of the graph changes, the states of all of them (<c>step=state</c>, space separated).</summary>
    private const string RecordGraph = """
        () => {
          window.graphStates = [];
          const snapshot = () => [...document.querySelectorAll('svg.plan-graph g.step')]
            .map(g => g.dataset.step + '=' + ([...g.classList].find(c => c.startsWith('state-')) || '').slice(6)).join(' ');
          const record = () => { const now = snapshot(); if (window.graphStates[window.graphStates.length - 1] !== now) window.graphStates.push(now); };
          record();
          new MutationObserver(record).observe(document.getElementById('graph'), { subtree: true, childList: true, attributes: true });
        }
        """;

    /// <summary>The run's journal (events and logs), for a failure's message.</summary>
    private static string Journal(string stateDirectory, string runId)
    {
        var run = Path.Combine(stateDirectory, "runs", runId);
        return string.Join("\n", Directory.EnumerateFiles(run, "*", SearchOption.AllDirectories).Order().Select(f => "== " + Path.GetRelativePath(run, f) + "\n" + File.ReadAllText(f)));
    }

    [LabFact]
    public async Task A_deploy_of_a_tag_started_from_the_dashboard_asks_for_a_code_runs_live_on_the_graph_and_is_listed_by_the_cli()
    {
        using var dir = new TempDirectory();
        await using var lab = await CliLab.UpAsync(dir.Path, "rl", dir.Write("flotilla.json", Inventory));
        var addresses = await lab.AddressesAsync();
        CliLab.ConfigureAll(lab.Inventory, version: "2");
        // web's new system takes a few seconds to start its service (activation waits for it, as
        // systemd waits for a unit): the page sees app verified while web still activates.
        lab.Configure("web", config =>
        {
            foreach (var service in config["services"]!.AsArray())
            {
                service!["startup"] = 4;
            }
        });
        await using var session = await ServerSession.StartAsync(chromium, options =>
        {
            options.Inventory = lab.Inventory;
            options.Runs = new HostedRunSettings { Substituters = "", ConfirmTimeout = TimeSpan.FromSeconds(30) };
        });
        await session.LogInAsync();
        await session.Page.GotoAsync(session.Url("/runs"));
        await session.Page.GetByRole(AriaRole.Link, new() { Name = "Start a run" }).ClickAsync();

        // The plan first: app and web, in their order; gateway is not of the tag.
        await session.Page.Locator("#run-hosts").FillAsync("@web");
        await session.Page.GetByRole(AriaRole.Button, new() { Name = "Preview" }).ClickAsync();
        await Expect(session.Page.Locator("#run-preview svg.plan-graph g[data-step='activate:web']")).ToBeVisibleAsync();
        await Expect(session.Page.Locator("#run-preview svg.plan-graph g[data-step='activate:app']")).ToBeVisibleAsync();
        await Expect(session.Page.Locator("#run-preview svg.plan-graph g[data-step='activate:gateway']")).ToHaveCountAsync(0);
        await Screenshots.SaveAsync(session.Page, "run-new");

        // Starting changes hosts: without a fresh code it is refused, and nothing runs.
        await session.Page.GetByRole(AriaRole.Button, new() { Name = "Start" }).ClickAsync();
        await Expect(session.Page.Locator("#run-problem")).ToContainTextAsync("fresh code");
        Assert.Empty(Directory.Exists(Path.Combine(session.StateDirectory, "runs")) ? Directory.GetDirectories(Path.Combine(session.StateDirectory, "runs")) : []);

        await session.Page.Locator("input[name=SecondFactor]").FillAsync(session.FreshCode());
        await session.Page.GetByRole(AriaRole.Button, new() { Name = "Start" }).ClickAsync();
        await Expect(session.Page).ToHaveURLAsync(new Regex("/runs/[0-9a-z-]+$"));
        var runId = session.Page.Url.Split('/')[^1];
        await session.Page.EvaluateAsync(RecordGraph);
        await Expect(session.Page.Locator("#run-cancel")).ToBeVisibleAsync();

        // The graph turns green step by step, without a reload, and the run ends.
        try
        {
            await Expect(session.Page.Locator("#run-result")).ToContainTextAsync("exit code 0", new() { Timeout = 240_000 });
        }
        catch (PlaywrightException e)
        {
            Assert.Fail(e.Message + "\n" + Journal(session.StateDirectory, runId));
        }
        foreach (var step in new[] { "build:app", "copy:app", "activate:app", "verify:app", "activate:web", "verify:web" })
        {
            await Expect(session.Page.Locator($"g[data-step='{step}']")).ToHaveClassAsync(new Regex("state-succeeded"));
        }

        var seen = await session.Page.EvaluateAsync<string[]>("() => window.graphStates");
        Assert.True(seen.Length >= 3, "the graph changed only " + seen.Length + " times: " + string.Join(" | ", seen));
        Assert.Contains(seen, s => s.Contains("verify:app=succeeded", StringComparison.Ordinal) && !s.Contains("verify:web=succeeded", StringComparison.Ordinal));
        await Expect(session.Page.Locator(".run-summary")).ToContainTextAsync("Started by admin (dashboard)");
        await Screenshots.SaveAsync(session.Page, "run-started-from-dashboard");

        Assert.Equal("system-2-link", await CliLab.ProfileAsync(addresses["app"]));
        Assert.Equal("system-2-link", await CliLab.ProfileAsync(addresses["web"]));
        Assert.Equal("system-1-link", await CliLab.ProfileAsync(addresses["gateway"]));

        // The CLI lists it from the server, and the audit log says who started it.
        var token = await session.AddApiTokenAsync("reader");
        var listed = await CliRunner.RunAsync(dir.Path, "runs", "--server", session.Address.ToString(), "--token-file", token);
        Assert.True(listed.ExitCode == 0, listed.Error);
        Assert.Contains(listed.Output.Split('\n'), l => l.Contains(runId, StringComparison.Ordinal) && l.Contains("deploy", StringComparison.Ordinal) && l.Contains("succeeded", StringComparison.Ordinal));
        var audit = await session.Store.ListAsync(10);
        Assert.Contains(audit, e => e is { Action: "run-start", Actor: "admin", Result: "started" } && e.Target == runId && e.Detail == "deploy @web");
        Assert.Contains(audit, e => e is { Action: "step-up", Actor: "admin" } && e.Result != "ok");

        await session.Page.GotoAsync(session.Url("/runs"));
        await Expect(session.Page.Locator("table.runs tbody tr").Filter(new() { HasText = runId })).ToContainTextAsync("admin (dashboard)");

        // A host's switch, with the inventory, is a one-host deploy through the engine, as a run.
        await session.AddHostAsync("gateway");
        await session.Page.GotoAsync(session.Url("/hosts/gateway"));
        await Expect(session.Page.Locator("#switch-deploys")).ToBeVisibleAsync();
        await session.Page.Locator("#operation").SelectOptionAsync("switch");
        await session.Page.Locator("input[name=SecondFactor]").FillAsync(session.FreshCode());
        await session.Page.GetByRole(AriaRole.Button, new() { Name = "Send" }).ClickAsync();
        await Expect(session.Page).ToHaveURLAsync(new Regex("/runs/[0-9a-z-]+$"));
        var switchRun = session.Page.Url.Split('/')[^1];
        Assert.NotEqual(runId, switchRun);
        try
        {
            await Expect(session.Page.Locator("#run-result")).ToContainTextAsync("exit code 0", new() { Timeout = 240_000 });
        }
        catch (PlaywrightException e)
        {
            Assert.Fail(e.Message + "\n" + Journal(session.StateDirectory, switchRun));
        }

        await Expect(session.Page.Locator("g[data-step='verify:gateway']")).ToHaveClassAsync(new Regex("state-succeeded"));
        await Expect(session.Page.Locator("svg.plan-graph g.step")).ToHaveCountAsync(4);
        Assert.Equal("system-2-link", await CliLab.ProfileAsync(addresses["gateway"]));
    }
}
