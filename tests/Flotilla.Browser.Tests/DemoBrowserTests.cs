using System.Text.RegularExpressions;
using Flotilla.Security;
using Flotilla.Tests;
using static Microsoft.Playwright.Assertions;

namespace Flotilla.Browser.Tests;

/// <summary>
/// <c>flotilla demo</c> from start to <c>--down</c>, on a real lab of examples/homelab, and its
/// dashboard in Chromium: logged in with the demo's generated login, every lab host's agent
/// (running inside its host) reports the generation the lab's inventory builds, drift and tags.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
[Collection(BrowserCollection.Name)]
public sealed partial class DemoBrowserTests(Chromium chromium)
{
    [LabFact]
    public async Task Demo_deploys_rolls_a_broken_host_back_leaves_a_healthy_lab_with_the_dashboard_and_agents_online_and_down_removes_it()
    {
        var name = "demo-" + Guid.NewGuid().ToString("N")[..8];
        var labDirectory = Path.Combine(CliLab.StateRoot, name);
        Uri? url = null;
        try
        {
            var demo = await CliRunner.RunAsync(Repository.Root, "demo", "--name", name, "--state-dir", CliLab.StateRoot);
            Assert.True(demo.ExitCode == 0, demo.Output + demo.Error);
            Assert.Contains("verify:hsb0 rolled back", demo.Output, StringComparison.Ordinal);
            Assert.Contains("hsb0 failed its health checks and was rolled back", demo.Output, StringComparison.Ordinal);
            var hsb1 = Assert.Single(demo.Output.Split('\n'), l => l.StartsWith("hsb1 ", StringComparison.Ordinal));
            Assert.Equal(["hsb1", "2", "yes", "no", "healthy"], hsb1.Split(' ', StringSplitOptions.RemoveEmptyEntries)[..5]);
            Assert.Contains($"./flotilla demo --down --name {name}", demo.Output, StringComparison.Ordinal);
            Assert.True(Directory.Exists(labDirectory), "the lab stays up after the demo");

            var status = await CliRunner.RunAsync(Repository.Root, "status", "-f", Path.Combine(labDirectory, "inventory"), "--substituters", "");
            Assert.True(status.ExitCode == 0, status.Output + status.Error);

            // The control plane: the dashboard answers, every lab host's agent is online, the login is private.
            var dashboard = Assert.Single(demo.Output.Split('\n'), l => l.TrimStart().StartsWith("dashboard:", StringComparison.Ordinal));
            url = new Uri(dashboard.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
            Assert.Equal("127.0.0.1", url.Host);
            var server = Path.Combine(labDirectory, "server");
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(server, "login.txt")));
            Assert.Contains("password:", await File.ReadAllTextAsync(Path.Combine(server, "login.txt")), StringComparison.Ordinal);
            Assert.Contains(Path.Combine(server, "login.txt"), dashboard, StringComparison.Ordinal);
            using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = url };
            Assert.Equal(System.Net.HttpStatusCode.OK, (await http.GetAsync("/login")).StatusCode);
            Assert.Equal(System.Net.HttpStatusCode.Found, (await http.GetAsync("/")).StatusCode);
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await http.GetAsync("/api/hosts")).StatusCode);
            http.DefaultRequestHeaders.Authorization = new("Bearer", (await File.ReadAllTextAsync(Path.Combine(server, "api-token"))).Trim());
            using var hosts = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync("/api/hosts"));
            var states = hosts.RootElement.EnumerateArray().ToDictionary(h => h.GetProperty("name").GetString()!, h => h.GetProperty("status").GetString());
            // The lab's hosts as step 1 listed them ("    NAME  10.77.N.M").
            var labHosts = demo.Output.Split('\n')
                .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                .Where(p => p.Length == 2 && p[1].StartsWith("10.77.", StringComparison.Ordinal))
                .Select(p => p[0]).Order().ToList();
            Assert.NotEmpty(labHosts);
            Assert.Equal(labHosts, states.Keys.Order());
            Assert.All(states, s => Assert.True(s.Value == "online", $"{s.Key} is {s.Value}"));

            await DashboardShowsTheLabAsync(url, await File.ReadAllTextAsync(Path.Combine(server, "login.txt")), labHosts);
        }
        finally
        {
            var down = await CliRunner.RunAsync(Repository.Root, "demo", "--down", "--name", name, "--state-dir", CliLab.StateRoot);
            Assert.True(down.ExitCode == 0, down.Error);
        }

        Assert.False(Directory.Exists(labDirectory));
        if (url is not null)
        {
            // The server went with it.
            using var http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(5) };
            await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync("/login"));
        }

        var lab = await CliRunner.RunAsync(Repository.Root, "lab", "status", "--name", name, "--state-dir", CliLab.StateRoot);
        Assert.NotEqual(0, lab.ExitCode);
    }

    /// <summary>Logs in with the demo's login and checks the fleet page against the lab: generations current, drift, tags.</summary>
    private async Task DashboardShowsTheLabAsync(Uri url, string login, IReadOnlyList<string> labHosts)
    {
        string Field(string name) => LoginField().Matches(login).Single(m => m.Groups[1].Value == name).Groups[2].Value.Trim();
        Assert.True(TotpSecret.TryParse(Field("totp secret"), out var secret, out var problem), problem);

        await using var context = await chromium.Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 800 } });
        context.SetDefaultTimeout(30_000);
        var page = await context.NewPageAsync();
        await page.GotoAsync(new Uri(url, "/login").ToString());
        await page.GetByLabel("Password").FillAsync(Field("password"));
        await page.GetByLabel("Code from your authenticator app").FillAsync(Totp.Code(secret!, Totp.Step(TimeProvider.System.GetUtcNow(), TotpOptions.Default), TotpOptions.Default));
        await page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Fleet" })).ToBeVisibleAsync();

        // Every host runs what the inventory builds (hsb0 was rolled back and its configuration
        // restored; hsb1 took the change): "current", pushed to the page once the inventory is evaluated.
        foreach (var host in labHosts)
        {
            await Expect(page.Locator($"tr[data-host='{host}'] [data-field=status]")).ToHaveTextAsync("online");
            await Expect(page.Locator($"tr[data-host='{host}'] [data-field=current]")).ToHaveTextAsync("current", new() { Timeout = 90_000 });
            await Expect(page.Locator($"tr[data-host='{host}'] .drift-ok[title^='system:']")).ToHaveCountAsync(1);
        }

        await Expect(page.Locator("tr[data-host=hsb1] [data-field=generation]")).ToHaveTextAsync("2");
        await Expect(page.Locator("#target")).ToContainTextAsync("inventory");
        // The tests compartment: the demo's deploy verified every host, and hsb0 failed it.
        await Expect(page.Locator("tr[data-host=hsb0] .drift-failed[title^='tests:']")).ToHaveCountAsync(1, new() { Timeout = 60_000 });
        await Expect(page.Locator("tr[data-host=hsb1] .drift-ok[title^='tests:']")).ToHaveCountAsync(1);
        await Screenshots.SaveAsync(page, "demo-fleet");

        // Tags from the inventory (lab.machine groups): the filter keeps the hosts that have it.
        await page.ReloadAsync();
        await page.Locator("nav.tags a", new() { HasTextString = "cloud" }).ClickAsync();
        await Expect(page.Locator("#fleet tbody tr")).ToHaveCountAsync(2);
        await Expect(page.Locator("tr[data-host=csb0]")).ToHaveCountAsync(1);
        await Expect(page.Locator("tr[data-host=csb1]")).ToHaveCountAsync(1);
        await Screenshots.SaveAsync(page, "demo-fleet-tag");

        await page.GotoAsync(new Uri(url, "/hosts/hsb0").ToString());
        await Expect(page.Locator("body")).ToContainTextAsync("inventory system");
        await Expect(page.Locator("body")).ToContainTextAsync("/nix/store/");
        await Screenshots.SaveAsync(page, "demo-host");
    }

    [GeneratedRegex(@"^([a-z ]+):\s+(\S+)", RegexOptions.Multiline)]
    private static partial Regex LoginField();
}
