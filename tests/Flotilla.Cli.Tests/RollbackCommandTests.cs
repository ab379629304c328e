using System.Text.Json;
using Flotilla.Tests.Support;

namespace Flotilla.Tests;

/// <summary><c>flotilla rollback</c> on a real lab: back to the previous generation, dependents first.</summary>
public sealed class RollbackCommandTests
{
    private const string Inventory = """
        {
          "hosts": {
            "gateway": { "target": "10.1.0.1", "healthChecks": [ { "type": "tcp", "port": 53 } ] },
            "db":      { "target": "10.1.0.2", "dependsOn": ["gateway"], "healthChecks": [ { "type": "http", "url": "http://localhost:5432/" } ] },
            "app":     { "target": "10.1.0.3", "dependsOn": ["db"], "healthChecks": [ { "type": "http", "url": "http://localhost:8080/health" } ] },
            "monitor": { "target": "10.1.0.5", "healthChecks": [ { "type": "http", "url": "http://localhost:9090/" } ] }
          }
        }
        """;

    [LabFact]
    public async Task Rollback_returns_every_host_to_its_previous_generation_in_reverse_dependency_order()
    {
        using var dir = new TempDirectory();
        await using var lab = await CliLab.UpAsync(dir.Path, "r", dir.Write("flotilla.json", Inventory));
        var state = Path.Combine(dir.Path, "state");
        var addresses = await lab.AddressesAsync();
        foreach (var host in addresses.Keys)
        {
            lab.Configure(host, c => c["version"] = "2");
        }

        var deploy = await lab.RunAsync("deploy", "-f", lab.Inventory, "--json", "--substituters", "", "--state-dir", state);
        Assert.True(deploy.ExitCode == 0, deploy.Output + deploy.Error);
        foreach (var address in addresses.Values)
        {
            Assert.Equal("system-2-link", await CliLab.ProfileAsync(address));
        }

        var rollback = await lab.RunAsync("rollback", "-f", lab.Inventory, "--json", "--state-dir", state, "--confirm-timeout", "30s");
        Assert.True(rollback.ExitCode == 0, rollback.Output + rollback.Error);
        foreach (var address in addresses.Values)
        {
            Assert.Equal("system-1-link", await CliLab.ProfileAsync(address));
        }

        var events = rollback.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line =>
        {
            using var json = JsonDocument.Parse(line);
            return (Step: json.RootElement.GetProperty("step").GetString()!, State: json.RootElement.GetProperty("state").GetString()!);
        }).ToList();
        foreach (var (dependent, needed) in new[] { ("app", "db"), ("db", "gateway") })
        {
            var verified = events.IndexOf(($"verify:{dependent}", "succeeded"));
            var started = events.IndexOf(($"rollback:{needed}", "started"));
            Assert.True(verified >= 0 && started > verified, $"rollback:{needed} started before verify:{dependent} succeeded");
        }

        Assert.Contains(("rollback:monitor", "succeeded"), events);
        var runs = await lab.RunAsync("runs", "--state-dir", state);
        Assert.Contains("rollback", runs.Output, StringComparison.Ordinal);
    }
}
