using System.Text.Json;
using Flotilla.Tests.Support;

namespace Flotilla.Tests;

/// <summary>
/// Issue 14 point 7: a host deployed with strategy recreate runs its old system until it reboots;
/// status says so (not current, a reboot needed, and why), and reboot --only-if-needed reboots it.
/// </summary>
public sealed class PendingSystemStatusTests
{
    private const string Inventory = """
        {
          "version": 1,
          "hosts": {
            "monitor": { "target": "10.1.0.2", "deployStrategy": "recreate" },
            "web":     { "target": "10.1.0.3" }
          }
        }
        """;

    [LabFact]
    public async Task A_recreated_host_waits_for_a_reboot_status_says_why_and_only_if_needed_reboots_it()
    {
        using var dir = new TempDirectory();
        await using var lab = await CliLab.UpAsync(dir.Path, "pe", dir.Write("flotilla.json", Inventory));
        var state = Path.Combine(dir.Path, "state");
        var addresses = await lab.AddressesAsync();
        lab.Configure("monitor", c => c["version"] = "2");
        var deploy = await lab.RunAsync("deploy", "-f", lab.Inventory, "--json", "--substituters", "", "--state-dir", state);
        Assert.True(deploy.ExitCode == 0, deploy.Output + deploy.Error);

        var pending = await StatusAsync(lab);
        var monitor = pending["monitor"];
        Assert.Equal((false, true, true), (monitor.GetProperty("current").GetBoolean(), monitor.GetProperty("compared").GetBoolean(), monitor.GetProperty("needsReboot").GetBoolean()));
        Assert.StartsWith("a new system waits for a reboot: the boot default is /nix/store/", monitor.GetProperty("rebootReason").GetString(), StringComparison.Ordinal);
        Assert.EndsWith("(the inventory's)", monitor.GetProperty("rebootReason").GetString(), StringComparison.Ordinal);
        Assert.EndsWith("-2", monitor.GetProperty("pendingSystem").GetString(), StringComparison.Ordinal);
        Assert.Equal((true, false), (pending["web"].GetProperty("current").GetBoolean(), pending["web"].GetProperty("needsReboot").GetBoolean()));
        Assert.Equal(JsonValueKind.Null, pending["web"].GetProperty("rebootReason").ValueKind);
        var table = await lab.RunAsync("status", "-f", lab.Inventory, "--substituters", "");
        Assert.Contains("needed: new system waits", Assert.Single(table.Output.Split('\n'), l => l.StartsWith("monitor ", StringComparison.Ordinal)), StringComparison.Ordinal);

        var before = await RebootLab.BootIdsAsync(addresses);
        var reboot = await lab.RunAsync(["reboot", "-f", lab.Inventory, "--json", "--only-if-needed", "--state-dir", state, .. RebootLab.Quick]);
        Assert.True(reboot.ExitCode == 0, reboot.Output + reboot.Error);
        Assert.Equal(["monitor"], RebootLab.Events(reboot.Output).Where(e => e.Kind == "reboot" && e.State == "succeeded").Select(e => e.Host!));
        Assert.NotEqual(before["monitor"], await RebootLab.BootIdAsync(addresses["monitor"]));
        Assert.Equal(before["web"], await RebootLab.BootIdAsync(addresses["web"]));

        var after = (await StatusAsync(lab))["monitor"];
        Assert.Equal((true, false), (after.GetProperty("current").GetBoolean(), after.GetProperty("needsReboot").GetBoolean()));
    }

    private static async Task<Dictionary<string, JsonElement>> StatusAsync(CliLab lab)
    {
        var status = await lab.RunAsync("status", "-f", lab.Inventory, "--json", "--substituters", "");
        using var json = JsonDocument.Parse(status.Output);
        return json.RootElement.EnumerateArray().ToDictionary(h => h.GetProperty("host").GetString()!, h => h.Clone());
    }
}
