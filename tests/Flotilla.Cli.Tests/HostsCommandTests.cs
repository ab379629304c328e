using System.Text.Json;
using Flotilla.Tests.Support;

namespace Flotilla.Tests;

public sealed class HostsCommandTests
{
    [Fact]
    public async Task Hosts_json_lists_every_host_with_its_target()
    {
        var run = await CliRunner.RunAsync(Repository.Root, "hosts", "-f", "examples/homelab", "--json");

        Assert.Equal(0, run.ExitCode);
        using var json = JsonDocument.Parse(run.Output);
        var hosts = json.RootElement.EnumerateArray().ToDictionary(h => h.GetProperty("name").GetString()!);
        Assert.Equal(8, hosts.Count);
        var csb0 = hosts["csb0"];
        Assert.Equal("cs0.barta.cm", csb0.GetProperty("target").GetProperty("address").GetString());
        Assert.Equal(2222, csb0.GetProperty("target").GetProperty("port").GetInt32());
        Assert.Equal("home-manager", hosts["imac0"].GetProperty("platform").GetString());
        Assert.Equal(2, hosts["hsb1"].GetProperty("rebootOrder").GetInt32());
    }

    [Fact]
    public async Task Hosts_prints_a_table_for_a_person()
    {
        var run = await CliRunner.RunAsync(Repository.Root, "hosts", "-f", "examples/nixmox/flotilla.nix");

        Assert.Equal(0, run.ExitCode);
        var lines = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("NAME", lines[0], StringComparison.Ordinal);
        Assert.Contains(lines, l => l.StartsWith("vaultwarden ", StringComparison.Ordinal) && l.Contains("root@192.168.99.14", StringComparison.Ordinal));
    }

    [Fact]
    public async Task NixMox_s_proxmox_settings_are_shown_for_each_host()
    {
        var table = await CliRunner.RunAsync(Repository.Root, "hosts", "-f", "tests/Fixtures/nixmox/service-manifest.nix");
        var json = await CliRunner.RunAsync(Repository.Root, "hosts", "-f", "tests/Fixtures/nixmox/service-manifest.nix", "--json");

        Assert.True(table.ExitCode == 0, table.Error);
        var lines = table.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.EndsWith("VMID  CORES  MEMORY    DISK    ONBOOT  START", lines[0], StringComparison.Ordinal);
        Assert.Matches(@"^postgresql .* 902 +4 +4096 MiB +64 GiB +yes +yes$", Assert.Single(lines, l => l.StartsWith("postgresql ", StringComparison.Ordinal)));
        using var hosts = JsonDocument.Parse(json.Output);
        var postgresql = hosts.RootElement.EnumerateArray().Single(h => h.GetProperty("name").GetString() == "postgresql").GetProperty("provisioning");
        Assert.Equal(902, postgresql.GetProperty("vmid").GetInt32());
        Assert.Equal(4096, postgresql.GetProperty("memoryMiB").GetInt32());
    }

    [Fact]
    public async Task A_missing_inventory_is_invalid_input_with_a_clear_message()
    {
        using var dir = new TempDirectory();

        var run = await CliRunner.RunAsync(dir.Path, "hosts");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("no inventory here", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Error, StringComparison.Ordinal);
    }
}
