using System.Text.Json;
using Flotilla.Processes;
using Flotilla.Tests.Support;

namespace Flotilla.Tests;

/// <summary>
/// <c>flotilla deploy</c> end to end on a real lab: six hosts with dependencies, real nix, ssh,
/// activation under the watchdog and health gates.
/// </summary>
public sealed class DeployCommandTests
{
    private const string StateRoot = "/var/lib/flotilla/lab-tests";

    private const string Inventory = """
        {
          "hosts": {
            "gateway": { "target": "10.1.0.1", "healthChecks": [ { "type": "tcp", "port": 53 } ] },
            "db":      { "target": "10.1.0.2", "dependsOn": ["gateway"], "healthChecks": [ { "type": "http", "url": "http://localhost:5432/", "interval": 1, "retries": 2 } ] },
            "app":     { "target": "10.1.0.3", "dependsOn": ["db"], "healthChecks": [ { "type": "http", "url": "http://localhost:8080/health" } ] },
            "web":     { "target": "10.1.0.4", "dependsOn": ["app"], "healthChecks": [ { "type": "http", "url": "http://localhost:80/" } ] },
            "monitor": { "target": "10.1.0.5", "deployStrategy": "recreate", "healthChecks": [ { "type": "http", "url": "http://localhost:9090/" } ] },
            "backup":  { "target": "10.1.0.6", "dependsOn": ["monitor"], "healthChecks": [ { "type": "command", "command": "systemctl is-active --quiet restic" } ] }
          }
        }
        """;

    private static readonly (string Before, string After)[] Edges =
    [
        ("gateway", "db"), ("db", "app"), ("app", "web"), ("monitor", "backup"),
    ];

    [LabFact]
    public async Task Hosts_deploy_in_dependency_order_and_a_failing_host_rolls_back_and_holds_back_its_dependents()
    {
        using var dir = new TempDirectory();
        var inventoryFile = dir.Write("flotilla.json", Inventory);
        var name = "d-" + Guid.NewGuid().ToString("N")[..8];
        var stateDir = Path.Combine(dir.Path, "state");
        try
        {
            var up = await CliRunner.RunAsync(dir.Path, "lab", "up", "--name", name, "--state-dir", StateRoot, "-f", inventoryFile);
            Assert.True(up.ExitCode == 0, up.Error);
            var lab = up.Output.Trim().Split('\n')[^1];
            var addresses = await AddressesAsync(dir.Path, lab);

            // Every host gets a new configuration: all deploy, in order, and end on generation 2.
            CliLab.ConfigureAll(lab, version: "2");
            var first = await CliRunner.RunAsync(dir.Path, "deploy", "-f", lab, "--json", "--substituters", "", "--state-dir", stateDir, "--confirm-timeout", "30s");
            Assert.True(first.ExitCode == 0, first.Output + first.Error);
            var events = Events(first.Output);
            foreach (var (before, after) in Edges)
            {
                var verified = events.FindIndex(e => e.Step == $"verify:{before}" && e.State == "succeeded");
                var activating = events.FindIndex(e => e.Step == $"activate:{after}" && e.State == "started");
                Assert.True(verified >= 0 && activating > verified, $"activate:{after} started before verify:{before} succeeded");
            }

            foreach (var (host, address) in addresses)
            {
                Assert.Equal("system-2-link", await ProfileAsync(address));
            }

            // monitor's strategy is recreate: its new system is the boot default, not yet running.
            Assert.Equal("1", await RunningVersionAsync(addresses["monitor"]));
            Assert.Equal("2", await RunningVersionAsync(addresses["gateway"]));

            // db's new configuration answers 500: db goes back, app and web wait, the rest moves on.
            CliLab.ConfigureAll(lab, version: "3", unhealthy: "db");
            var second = await CliRunner.RunAsync(dir.Path, "deploy", "-f", lab, "--json", "--substituters", "", "--state-dir", stateDir, "--confirm-timeout", "30s");
            Assert.Equal(1, second.ExitCode);
            events = Events(second.Output);
            var rolledBack = Assert.Single(events, e => e.Step == "verify:db" && e.State == "rolled-back");
            Assert.Contains("500", rolledBack.Message, StringComparison.Ordinal);
            foreach (var held in new[] { "app", "web" })
            {
                var skipped = Assert.Single(events, e => e.Step == $"activate:{held}" && e.State == "skipped");
                Assert.Contains("db", skipped.Message, StringComparison.Ordinal);
            }

            Assert.Equal("system-2-link", await ProfileAsync(addresses["db"]));
            Assert.Equal("system-2-link", await ProfileAsync(addresses["app"]));
            Assert.Equal("system-2-link", await ProfileAsync(addresses["web"]));
            foreach (var moved in new[] { "gateway", "monitor", "backup" })
            {
                Assert.Equal("system-3-link", await ProfileAsync(addresses[moved]));
            }

            // The journal says why.
            var runs = await CliRunner.RunAsync(dir.Path, "runs", "--state-dir", stateDir);
            var runId = runs.Output.Trim().Split('\n')[^1].Split(' ')[0];
            var shown = await CliRunner.RunAsync(dir.Path, "runs", "show", runId, "--state-dir", stateDir);
            Assert.Contains(shown.Output.Split('\n'), l => l.StartsWith("verify:db ", StringComparison.Ordinal) && l.Contains("rolled-back", StringComparison.Ordinal) && l.Contains("500", StringComparison.Ordinal));
        }
        finally
        {
            await CliRunner.RunAsync(dir.Path, "lab", "down", "--name", name, "--state-dir", StateRoot);
        }
    }

    private sealed record Event(string Step, string State, string? Message);

    private static List<Event> Events(string output) =>
        [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line =>
        {
            using var json = JsonDocument.Parse(line);
            var root = json.RootElement;
            return new Event(root.GetProperty("step").GetString()!, root.GetProperty("state").GetString()!, root.TryGetProperty("message", out var m) ? m.GetString() : null);
        })];


    private static async Task<Dictionary<string, string>> AddressesAsync(string workingDirectory, string lab)
    {
        var hosts = await CliRunner.RunAsync(workingDirectory, "hosts", "-f", lab, "--json");
        using var json = JsonDocument.Parse(hosts.Output);
        return json.RootElement.EnumerateArray().ToDictionary(h => h.GetProperty("name").GetString()!, h => h.GetProperty("target").GetProperty("address").GetString()!);
    }

    private static Task<string> ProfileAsync(string address) => SshAsync(address, "readlink /nix/var/nix/profiles/system");

    private static Task<string> RunningVersionAsync(string address) => SshAsync(address, "cat /run/current-system/version");

    private static async Task<string> SshAsync(string address, string command)
    {
        var result = await ProcessRunner.RunAsync("ssh", ["-o", "BatchMode=yes", "root@" + address, command]);
        Assert.True(result.ExitCode == 0, result.StandardError);
        return result.StandardOutput.Trim();
    }
}
