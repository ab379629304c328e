using System.Globalization;
using Flotilla.Tests.Support;

namespace Flotilla.Tests;

/// <summary><c>flotilla reboot</c> on a real lab: sequenced by rebootOrder and dependencies, verified by new boot ids.</summary>
public sealed class RebootCommandTests
{
    private const string FiveHosts = """
        {
          "hosts": {
            "router":  { "target": "10.1.0.1", "rebootOrder": 1, "rebootDelay": "1s", "healthChecks": [ { "type": "tcp", "port": 53 } ] },
            "nas":     { "target": "10.1.0.2", "rebootOrder": 5, "rebootDelay": "500ms", "healthChecks": [ { "type": "http", "url": "http://localhost:8080/health" } ] },
            "db":      { "target": "10.1.0.3", "rebootOrder": 2, "rebootDelay": "1500ms", "dependsOn": ["nas"], "healthChecks": [ { "type": "http", "url": "http://localhost:5432/" } ] },
            "app":     { "target": "10.1.0.4", "rebootOrder": 3, "dependsOn": ["db"], "healthChecks": [ { "type": "http", "url": "http://localhost:8080/health" } ] },
            "monitor": { "target": "10.1.0.5", "rebootOrder": 4, "rebootDelay": "1s", "healthChecks": [ { "type": "http", "url": "http://localhost:9090/" } ] }
          }
        }
        """;

    private const string ThreeHosts = """
        {
          "hosts": {
            "first":  { "target": "10.1.0.1", "rebootOrder": 1, "healthChecks": [ { "type": "http", "url": "http://localhost:8080/health" } ] },
            "second": { "target": "10.1.0.2", "rebootOrder": 2, "healthChecks": [ { "type": "http", "url": "http://localhost:8080/health" } ] },
            "third":  { "target": "10.1.0.3", "rebootOrder": 3, "healthChecks": [ { "type": "http", "url": "http://localhost:8080/health" } ] }
          }
        }
        """;

    [LabFact]
    public async Task Five_hosts_reboot_one_at_a_time_by_order_and_dependencies_with_their_delays_and_new_boot_ids()
    {
        using var dir = new TempDirectory();
        await using var lab = await CliLab.UpAsync(dir.Path, "rb", dir.Write("flotilla.json", FiveHosts));
        var state = Path.Combine(dir.Path, "state");
        var addresses = await lab.AddressesAsync();
        var before = await RebootLab.BootIdsAsync(addresses);

        var run = await lab.RunAsync(["reboot", "-f", lab.Inventory, "--json", "--state-dir", state, .. RebootLab.Quick]);

        Assert.True(run.ExitCode == 0, run.Output + run.Error);
        var events = RebootLab.Events(run.Output);
        // rebootOrder, except that db needs nas: nas goes before db although its order is 5.
        string[] expected = ["router", "monitor", "nas", "db", "app"];
        var order = events.Where(e => e.Kind == "reboot" && e.State == "started").Select(e => e.Host!).ToArray();
        Assert.Equal(expected, order);
        for (var i = 1; i < expected.Length; i++)
        {
            // One at a time: a host's wait starts only once the host before it is verified.
            Assert.True(events.Single($"wait:{expected[i]}", "started").Time >= events.Single($"verify:{expected[i - 1]}", "succeeded").Time);
        }

        foreach (var (host, delay) in new[] { ("router", 1.0), ("db", 1.5), ("monitor", 1.0), ("nas", 0.5) })
        {
            var waited = events.Single($"wait:{host}", "succeeded").Time - events.Single($"wait:{host}", "started").Time;
            Assert.True(waited.TotalSeconds >= delay - 0.01, $"wait:{host} took {waited.TotalSeconds} s, its rebootDelay is {delay} s");
        }

        Assert.All(expected, host => Assert.Contains("boot id", events.Single($"reboot:{host}", "succeeded").Message, StringComparison.Ordinal));
        var after = await RebootLab.BootIdsAsync(addresses);
        Assert.All(expected, host => Assert.NotEqual(before[host], after[host]));

        var runs = await lab.RunAsync("runs", "--state-dir", state);
        Assert.Contains("reboot", runs.Output, StringComparison.Ordinal);
        Assert.Contains("rebooted and verified", run.Error, StringComparison.Ordinal);
    }

    [LabFact]
    public async Task A_host_that_never_comes_back_stops_the_sequence_and_the_hosts_after_it_are_not_rebooted()
    {
        using var dir = new TempDirectory();
        await using var lab = await CliLab.UpAsync(dir.Path, "rn", dir.Write("flotilla.json", ThreeHosts));
        var addresses = await lab.AddressesAsync();
        var before = await RebootLab.BootIdsAsync(addresses);
        var fault = await lab.RunAsync("lab", "fault", "--name", lab.Name, "--state-dir", CliLab.StateRoot, "second", "boot-hangs");
        Assert.True(fault.ExitCode == 0, fault.Error);

        // The boot timeout is every healthy host's too: long enough for one to come back while the
        // other test assemblies load the machine (6 s failed once in CI for "first").
        var run = await lab.RunAsync(["reboot", "-f", lab.Inventory, "--state-dir", Path.Combine(dir.Path, "state"), .. RebootLab.QuickWith("15s")]);

        Assert.True(run.ExitCode == 1, run.Output + run.Error);
        foreach (var expected in (string[])["second: FAILED at reboot:second", "went down but did not come back within 15.0 s", "third: not rebooted", "first: rebooted and verified"])
        {
            Assert.True(run.Output.Contains(expected, StringComparison.Ordinal), $"no \"{expected}\" in:\n{run.Output}{run.Error}");
        }

        Assert.NotEqual(before["first"], await RebootLab.BootIdAsync(addresses["first"]));
        Assert.Equal(before["third"], await RebootLab.BootIdAsync(addresses["third"]));
    }

    [LabFact]
    public async Task Only_if_needed_reboots_exactly_the_hosts_whose_kernel_changed()
    {
        using var dir = new TempDirectory();
        await using var lab = await CliLab.UpAsync(dir.Path, "ro", dir.Write("flotilla.json", ThreeHosts));
        var state = Path.Combine(dir.Path, "state");
        var addresses = await lab.AddressesAsync();
        // first gets a new kernel; second a new version with the same kernel; third nothing.
        lab.Configure("first", c => { c["version"] = "2"; c["kernel"] = "2"; });
        lab.Configure("second", c => c["version"] = "2");
        var deploy = await lab.RunAsync("deploy", "-f", lab.Inventory, "--json", "--substituters", "", "--state-dir", state);
        Assert.True(deploy.ExitCode == 0, deploy.Output + deploy.Error);
        var before = await RebootLab.BootIdsAsync(addresses);

        var run = await lab.RunAsync(["reboot", "-f", lab.Inventory, "--json", "--only-if-needed", "--state-dir", state, .. RebootLab.Quick]);

        Assert.True(run.ExitCode == 0, run.Output + run.Error);
        var rebooted = RebootLab.Events(run.Output).Where(e => e.Kind == "reboot" && e.State == "succeeded").Select(e => e.Host!).ToArray();
        Assert.Equal(["first"], rebooted);
        Assert.NotEqual(before["first"], await RebootLab.BootIdAsync(addresses["first"]));
        Assert.Equal(before["second"], await RebootLab.BootIdAsync(addresses["second"]));
        Assert.Equal(before["third"], await RebootLab.BootIdAsync(addresses["third"]));

        // Booted into the new kernel: nothing needs a reboot any more.
        var again = await lab.RunAsync(["reboot", "-f", lab.Inventory, "--only-if-needed", "--state-dir", state, .. RebootLab.Quick]);
        Assert.True(again.ExitCode == 0, again.Output + again.Error);
        Assert.Contains("no selected host needs a reboot", again.Output, StringComparison.Ordinal);
    }

    [LabFact]
    public async Task A_second_reboot_is_refused_while_the_first_holds_the_fleet_lock_and_one_that_waits_runs_after_it()
    {
        using var dir = new TempDirectory();
        await using var lab = await CliLab.UpAsync(dir.Path, "rl", dir.Write("flotilla.json", ThreeHosts.Replace("\"rebootOrder\": 1,", "\"rebootOrder\": 1, \"rebootDelay\": \"3s\",", StringComparison.Ordinal)));
        var state = Path.Combine(dir.Path, "state");
        var lockFile = Path.Combine(state, "fleet.lock");

        var first = lab.RunAsync(["reboot", "-f", lab.Inventory, "--json", "--on", "first,second", "--state-dir", state, .. RebootLab.Quick]);
        for (var i = 0; i < 100 && !File.Exists(lockFile) && !first.IsCompleted; i++)
        {
            await Task.Delay(100);
        }

        Assert.True(File.Exists(lockFile), "the first reboot did not take the fleet lock");
        var refused = await lab.RunAsync(["reboot", "-f", lab.Inventory, "--on", "third", "--state-dir", state, .. RebootLab.Quick]);
        var waiting = lab.RunAsync(["reboot", "-f", lab.Inventory, "--json", "--on", "third", "--state-dir", state, "--lock-wait", "2m", .. RebootLab.Quick]);
        var firstRun = await first;
        var waited = await waiting;

        Assert.Equal(4, refused.ExitCode);
        Assert.Contains("the fleet is held by", refused.Error, StringComparison.Ordinal);
        Assert.Contains($"pid {Environment.ProcessId}", refused.Error, StringComparison.Ordinal);
        Assert.Contains("reboot since", refused.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("started", refused.Output, StringComparison.Ordinal);
        Assert.True(firstRun.ExitCode == 0, firstRun.Output + firstRun.Error);
        Assert.True(waited.ExitCode == 0, waited.Output + waited.Error);
        var firstEnded = RebootLab.Events(firstRun.Output).Max(e => e.Time);
        var thirdStarted = RebootLab.Events(waited.Output).Min(e => e.Time);
        Assert.True(thirdStarted >= firstEnded, "the waiting reboot started before the first released the lock");
        Assert.False(File.Exists(lockFile));
    }

    [LabFact]
    public async Task A_window_that_is_closed_now_is_refused_with_its_next_opening_and_nothing_reboots()
    {
        using var dir = new TempDirectory();
        await using var lab = await CliLab.UpAsync(dir.Path, "rw", dir.Write("flotilla.json", ThreeHosts));
        var addresses = await lab.AddressesAsync();
        var before = await RebootLab.BootIdsAsync(addresses);
        // A window two days from now (UTC): certainly closed now.
        var day = TimeProvider.System.GetUtcNow().UtcDateTime.AddDays(2);
        var window = $"{day.DayOfWeek.ToString()[..3].ToLowerInvariant()} 03:00-04:00 UTC";

        var run = await lab.RunAsync(["reboot", "-f", lab.Inventory, "--window", window, "--state-dir", Path.Combine(dir.Path, "state"), .. RebootLab.Quick]);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("outside the maintenance window", run.Error, StringComparison.Ordinal);
        Assert.Contains($"The next window opens {day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)} 03:00 UTC", run.Error, StringComparison.Ordinal);
        Assert.Equal(before, await RebootLab.BootIdsAsync(addresses));

        var bad = await lab.RunAsync("reboot", "-f", lab.Inventory, "--window", "weekdays 2-5");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("reboot: --window: \"weekdays\" in \"weekdays\" is not a day", bad.Error, StringComparison.Ordinal);
    }
}
