using System.Text.Json;
using Flotilla.Tests.Support;

namespace Flotilla.Tests;

/// <summary><c>flotilla status</c> on a real lab: current, reboot needed and health, each made to change.</summary>
public sealed class StatusCommandTests
{
    private const string Inventory = """
        {
          "hosts": {
            "db":  { "target": "10.1.0.2", "healthChecks": [ { "type": "http", "url": "http://localhost:5432/" } ] },
            "app": { "target": "10.1.0.3", "dependsOn": ["db"], "healthChecks": [ { "type": "http", "url": "http://localhost:8080/health" } ] },
            "web": { "target": "10.1.0.4", "dependsOn": ["app"], "healthChecks": [ { "type": "http", "url": "http://localhost:80/" } ] }
          }
        }
        """;

    [LabFact]
    public async Task Status_tells_a_stale_host_a_host_that_needs_a_reboot_and_an_unhealthy_host_apart()
    {
        using var dir = new TempDirectory();
        await using var lab = await CliLab.UpAsync(dir.Path, "s", dir.Write("flotilla.json", Inventory));

        var fresh = await StatusAsync(lab);
        Assert.True(fresh.ExitCode == 0, fresh.Output + fresh.Error);
        foreach (var host in fresh.Hosts.Values)
        {
            Assert.Equal((1, true, false, true, true), (host.Generation, host.Current, host.NeedsReboot, host.Healthy, host.Error is null));
        }

        // A new version in the inventory: app no longer runs what the inventory builds.
        lab.Configure("app", c => c["version"] = "2");
        var stale = await StatusAsync(lab);
        Assert.Equal(1, stale.ExitCode);
        Assert.False(stale.Hosts["app"].Current);
        Assert.True(stale.Hosts["db"].Current);
        Assert.True(stale.Hosts["web"].Current);

        // A new kernel switched to but not booted: db needs a reboot.
        lab.Configure("db", c => c["kernel"] = "2");
        var deploy = await lab.RunAsync("deploy", "-f", lab.Inventory, "--on", "db", "--json", "--substituters", "", "--state-dir", Path.Combine(dir.Path, "state"));
        Assert.True(deploy.ExitCode == 0, deploy.Output + deploy.Error);
        var rebootNeeded = await StatusAsync(lab);
        Assert.Equal((2, true, true), (rebootNeeded.Hosts["db"].Generation, rebootNeeded.Hosts["db"].Current, rebootNeeded.Hosts["db"].NeedsReboot));
        Assert.False(rebootNeeded.Hosts["web"].NeedsReboot);

        // web's services answer 500.
        var fault = await lab.RunAsync("lab", "fault", "--name", lab.Name, "--state-dir", CliLab.StateRoot, "web", "unhealthy");
        Assert.True(fault.ExitCode == 0, fault.Error);
        var unhealthy = await StatusAsync(lab);
        Assert.Equal(1, unhealthy.ExitCode);
        Assert.False(unhealthy.Hosts["web"].Healthy);
        Assert.True(unhealthy.Hosts["db"].Healthy);

        var table = await lab.RunAsync("status", "-f", lab.Inventory, "--substituters", "");
        var web = Assert.Single(table.Output.Split('\n'), l => l.StartsWith("web ", StringComparison.Ordinal));
        Assert.Contains("UNHEALTHY", web, StringComparison.Ordinal);
        Assert.Contains("500", web, StringComparison.Ordinal);
    }

    private sealed record HostView(int? Generation, bool Current, bool NeedsReboot, bool Healthy, string? Error);

    private sealed record Status(int ExitCode, string Output, string Error, Dictionary<string, HostView> Hosts);

    private static async Task<Status> StatusAsync(CliLab lab)
    {
        var run = await lab.RunAsync("status", "-f", lab.Inventory, "--json", "--substituters", "");
        using var json = JsonDocument.Parse(run.Output);
        var hosts = json.RootElement.EnumerateArray().ToDictionary(
            h => h.GetProperty("host").GetString()!,
            h => new HostView(
                h.GetProperty("generation").ValueKind == JsonValueKind.Null ? null : h.GetProperty("generation").GetInt32(),
                h.GetProperty("current").GetBoolean(),
                h.GetProperty("needsReboot").GetBoolean(),
                h.GetProperty("healthy").GetBoolean(),
                h.GetProperty("error").GetString()));
        return new Status(run.ExitCode, run.Output, run.Error, hosts);
    }
}
