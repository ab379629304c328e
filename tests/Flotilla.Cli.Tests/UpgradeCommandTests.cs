using Flotilla.Processes;
using Flotilla.Tests.Support;

namespace Flotilla.Tests;

/// <summary><c>flotilla deploy --reboot</c> and <c>flotilla upgrade</c> on a real lab, and pre-flight checks that stop them.</summary>
public sealed class UpgradeCommandTests
{
    private const string ThreeHosts = """
        {
          "hosts": {
            "first":  { "target": "10.1.0.1", "rebootOrder": 1, "healthChecks": [ { "type": "http", "url": "http://localhost:8080/health" } ] },
            "second": { "target": "10.1.0.2", "rebootOrder": 2, "healthChecks": [ { "type": "http", "url": "http://localhost:8080/health" } ] },
            "third":  { "target": "10.1.0.3", "rebootOrder": 3, "healthChecks": [ { "type": "http", "url": "http://localhost:8080/health" } ] }
          }
        }
        """;

    private static async Task<string> SshAsync(string address, string command)
    {
        var result = await ProcessRunner.RunAsync("ssh", ["-o", "BatchMode=yes", "-o", "ConnectTimeout=5", "root@" + address, command]);
        Assert.True(result.ExitCode == 0, $"{command} on {address}: {result.StandardError}");
        return result.StandardOutput.Trim();
    }

    [LabFact]
    public async Task Deploy_with_reboot_makes_the_new_system_the_boot_default_and_reboots_only_the_hosts_it_deployed()
    {
        using var dir = new TempDirectory();
        await using var lab = await CliLab.UpAsync(dir.Path, "dr", dir.Write("flotilla.json", ThreeHosts));
        var addresses = await lab.AddressesAsync();
        lab.Configure("first", c => { c["version"] = "2"; c["kernel"] = "2"; });
        lab.Configure("second", c => c["version"] = "2");
        var before = await RebootLab.BootIdsAsync(addresses);

        var run = await lab.RunAsync(["deploy", "--reboot", "-f", lab.Inventory, "--json", "--substituters", "", "--state-dir", Path.Combine(dir.Path, "state"), .. RebootLab.Quick]);

        Assert.True(run.ExitCode == 0, run.Output + run.Error);
        var events = RebootLab.Events(run.Output);
        Assert.Equal(["first", "second"], events.Where(e => e.Kind == "reboot" && e.State == "succeeded").Select(e => e.Host!).ToArray());
        // Goal boot: the new system ran only after the reboot.
        Assert.StartsWith("boot: ", events.Single("activate:first", "succeeded").Message, StringComparison.Ordinal);
        foreach (var host in new[] { "first", "second" })
        {
            Assert.NotEqual(before[host], await RebootLab.BootIdAsync(addresses[host]));
            Assert.Equal("2", await SshAsync(addresses[host], "nixos-version"));
        }

        Assert.Equal(before["third"], await RebootLab.BootIdAsync(addresses["third"]));
    }

    [LabFact]
    public async Task Upgrade_updates_the_flake_deploys_the_local_host_last_and_reboots_only_where_the_kernel_changed_or_a_recreate_host_waits_for_its_boot()
    {
        using var dir = new TempDirectory();
        var inventory = ThreeHosts.Replace(
            "\"third\":",
            "\"fourth\": { \"target\": \"10.1.0.4\", \"rebootOrder\": 4, \"deployStrategy\": \"recreate\", \"healthChecks\": [ { \"type\": \"http\", \"url\": \"http://localhost:8080/health\" } ] },\n    \"third\":",
            StringComparison.Ordinal);
        await using var lab = await CliLab.UpAsync(dir.Path, "up", dir.Write("flotilla.json", inventory));
        var addresses = await lab.AddressesAsync();
        lab.Configure("first", c => { c["version"] = "2"; c["kernel"] = "2"; });
        lab.Configure("second", c => { c["version"] = "2"; c["kernel"] = "2"; });
        lab.Configure("third", c => c["version"] = "2");
        lab.Configure("fourth", c => c["version"] = "2");
        var before = await RebootLab.BootIdsAsync(addresses);

        var run = await lab.RunAsync(["upgrade", "-f", lab.Inventory, "--json", "--local-host", "second", "--substituters", "", "--state-dir", Path.Combine(dir.Path, "state"), .. RebootLab.Quick]);

        Assert.True(run.ExitCode == 0, run.Output + run.Error);
        Assert.Contains("upgrade: the flake has no inputs: nothing to update", run.Error, StringComparison.Ordinal);
        var events = RebootLab.Events(run.Output);
        // second (where the orchestrator runs, as --local-host says) deploys after everything else is verified.
        var secondActivated = events.Single("activate:second", "started").Time;
        Assert.True(secondActivated >= events.First(e => e.Step == "verify:first" && e.State == "succeeded").Time);
        Assert.True(secondActivated >= events.First(e => e.Step == "verify:third" && e.State == "succeeded").Time);
        // first (new kernel) and fourth (recreate: its new system waits for a boot) reboot in the sequence;
        // third's kernel did not change; second is rebooted last, unwaited.
        Assert.Equal(["first", "fourth"], events.Where(e => e.Kind == "reboot" && e.State == "succeeded").Select(e => e.Host!).ToArray());
        Assert.Equal("2", await SshAsync(addresses["fourth"], "nixos-version"));
        Assert.Contains("second: deployed; rebooting now, last", run.Error, StringComparison.Ordinal);
        Assert.Contains("third: deployed; no reboot needed", run.Error, StringComparison.Ordinal);
        Assert.NotEqual(before["first"], await RebootLab.BootIdAsync(addresses["first"]));
        Assert.Equal(before["third"], await RebootLab.BootIdAsync(addresses["third"]));
        for (var i = 0; i < 100; i++)
        {
            var id = await ProcessRunner.RunAsync("ssh", ["-o", "BatchMode=yes", "-o", "ConnectTimeout=2", "root@" + addresses["second"], "cat /proc/sys/kernel/random/boot_id"]);
            if (id.ExitCode == 0 && id.StandardOutput.Trim() != before["second"])
            {
                return;
            }

            await Task.Delay(200);
        }

        Assert.Fail("second (the local host) was not rebooted last");
    }

    [LabFact]
    public async Task A_failed_pre_flight_aborts_before_anything_reboots_and_says_why()
    {
        using var dir = new TempDirectory();
        await using var lab = await CliLab.UpAsync(dir.Path, "pf", dir.Write("flotilla.json", ThreeHosts));
        var state = Path.Combine(dir.Path, "state");
        var addresses = await lab.AddressesAsync();
        var before = await RebootLab.BootIdsAsync(addresses);

        var disk = await lab.RunAsync("reboot", "-f", lab.Inventory, "--state-dir", state, "--max-load", "1000", "--min-free-disk", "100000T");
        Assert.Equal(1, disk.ExitCode);
        Assert.Contains("reboot: pre-flight failed on first: only", disk.Error, StringComparison.Ordinal);
        Assert.Contains("free on /nix, less than the 100000 TiB required (--min-free-disk)", disk.Error, StringComparison.Ordinal);

        var uptime = await lab.RunAsync("reboot", "-f", lab.Inventory, "--state-dir", state, "--max-load", "1000", "--min-free-disk", "1M", "--min-uptime", "3000d");
        Assert.Equal(1, uptime.ExitCode);
        Assert.Contains("(--min-uptime): it booted recently", uptime.Error, StringComparison.Ordinal);

        var fault = await lab.RunAsync("lab", "fault", "--name", lab.Name, "--state-dir", CliLab.StateRoot, "third", "unhealthy");
        Assert.True(fault.ExitCode == 0, fault.Error);
        var unhealthy = await lab.RunAsync(["reboot", "-f", lab.Inventory, "--state-dir", state, .. RebootLab.Quick]);
        Assert.Equal(1, unhealthy.ExitCode);
        Assert.Contains("reboot: pre-flight failed on third: unhealthy:", unhealthy.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("pre-flight failed on first", unhealthy.Error, StringComparison.Ordinal);
        Assert.Contains("aborted before anything was done: 1 host(s) failed the pre-flight checks", unhealthy.Error, StringComparison.Ordinal);

        Assert.Equal(before, await RebootLab.BootIdsAsync(addresses));
        Assert.False(File.Exists(Path.Combine(state, "fleet.lock")));
    }
}
