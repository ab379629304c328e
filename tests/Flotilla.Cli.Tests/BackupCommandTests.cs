using System.Text.Json;
using Flotilla.Cli;
using Flotilla.Processes;
using Flotilla.Tests.Support;

namespace Flotilla.Tests;

/// <summary><c>flotilla backup</c> on a lab host with real containers and the real restic (issue 13).</summary>
public sealed class BackupCommandTests
{
    private const string Inventory = """
        {
          "version": 1,
          "hosts": { "media": { "target": "10.1.0.2" } },
          "services": {
            "app": { "host": "media", "healthChecks": [ { "type": "http", "url": "http://localhost:8080/" } ],
                     "container": { "image": "registry.lan/app:1", "ports": [ "8080:8080" ], "volumes": [ "/run/app-data:/data" ] },
                     "backup": { "paths": [ "/run/app-data" ], "repository": "/run/restic-repo", "passwordFile": "/run/restic-password", "stop": true, "keep": { "daily": 1 } } },
            "web": { "host": "media", "dependsOn": [ "app" ], "healthChecks": [ { "type": "http", "url": "http://localhost:8081/" } ],
                     "container": { "image": "registry.lan/web:1", "ports": [ "8081:8081" ] } }
          }
        }
        """;

    [LabFact]
    public async Task A_backup_stops_and_starts_in_order_verifies_its_snapshot_and_retention_removes_only_older_verified_ones()
    {
        using var dir = new TempDirectory();
        await using var lab = await CliLab.UpAsync(dir.Path, "bk", dir.Write("flotilla.json", Inventory));
        var media = await MediaAsync(lab);
        Task<string> SshAsync(string command) => media.SshAsync(command);
        var before = await SshAsync("podman inspect app web --format '{{.Id}}'");

        var first = await lab.RunAsync("backup", "-f", lab.Inventory);

        Assert.True(first.ExitCode == 0, first.Output + first.Error);
        var lines = first.Output.Split('\n');
        int At(string text) => Array.FindIndex(lines, l => l.Contains(text, StringComparison.Ordinal)) is >= 0 and var i ? i : throw new Xunit.Sdk.XunitException($"no line with {text}:\n{first.Output}");
        Assert.True(At("media/app: stopping web, app") < At("media/app: snapshot ") && At("media/app: snapshot ") < At("media/app: starting app, web"), first.Output);
        var row = Assert.Single(lines, l => l.StartsWith("media ", StringComparison.Ordinal));
        Assert.Contains("yes", row, StringComparison.Ordinal);
        Assert.Contains("verified (verified: restic check passed and /run/app-data/marker (9 bytes) restored)", row, StringComparison.Ordinal);
        // Both containers were stopped and started again (new containers), and answer.
        Assert.NotEqual(before, await SshAsync("podman inspect app web --format '{{.Id}}'"));
        Assert.Equal(0, (await lab.RunAsync("services", "-f", lab.Inventory)).ExitCode);

        // A snapshot made by hand is not verified: retention leaves it alone.
        await SshAsync("RESTIC_PASSWORD_FILE=/run/restic-password restic -r /run/restic-repo backup -q --tag flotilla --tag service=app /run/app-data");
        var second = await lab.RunAsync("backup", "-f", lab.Inventory, "--service", "app");
        Assert.True(second.ExitCode == 0, second.Output + second.Error);
        Assert.True(second.Output.Contains("retention removed 1 older verified snapshot(s)", StringComparison.Ordinal), second.Output);

        var snapshots = await SshAsync("RESTIC_PASSWORD_FILE=/run/restic-password restic -r /run/restic-repo snapshots --json");
        using var json = JsonDocument.Parse(snapshots);
        var tags = json.RootElement.EnumerateArray().Select(s => s.GetProperty("tags").EnumerateArray().Any(t => t.GetString() == "verified")).ToList();
        Assert.Equal([false, true], tags);
        var list = await lab.RunAsync("backup", "list", "-f", lab.Inventory);
        Assert.Equal(2, list.Output.Split('\n').Count(l => l.StartsWith("media ", StringComparison.Ordinal) && l.Contains("/run/app-data", StringComparison.Ordinal)));
        Assert.Single(list.Output.Split('\n'), l => l.StartsWith("media ", StringComparison.Ordinal) && l.Contains(" yes ", StringComparison.Ordinal));
        // Each snapshot's size: the bytes of the files it holds (restic 0.14's stats, restore-size); the data did not change since.
        var bytes = long.Parse(await SshAsync("find /run/app-data -type f -printf '%s\\n' | awk '{ s += $1 } END { print s + 0 }'"), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(bytes >= 9, $"{bytes} bytes in /run/app-data");
        Assert.Equal(2, list.Output.Split('\n').Count(l => l.StartsWith("media ", StringComparison.Ordinal) && l.Contains($" {Flotilla.Contracts.StorageUsage.FormatBytes(bytes)} ", StringComparison.Ordinal)));
        Assert.Contains(" SIZE ", list.Output.Split('\n')[0], StringComparison.Ordinal);
    }

    [LabFact]
    public async Task A_restore_brings_back_a_deleted_file_and_one_whose_service_then_fails_puts_the_data_from_before_back()
    {
        using var dir = new TempDirectory();
        await using var lab = await CliLab.UpAsync(dir.Path, "rs", dir.Write("flotilla.json", Inventory));
        var media = await MediaAsync(lab);
        Task<string> SshAsync(string command) => media.SshAsync(command);
        var backup = await lab.RunAsync("backup", "-f", lab.Inventory);
        Assert.True(backup.ExitCode == 0, backup.Output + backup.Error);

        string bad;
        // A snapshot of bad data (this stand-in answers 500 with lab-unhealthy in its /data), made by hand.
        await SshAsync("touch /run/app-data/lab-unhealthy; RESTIC_PASSWORD_FILE=/run/restic-password restic -r /run/restic-repo backup -q --tag flotilla --tag service=app /run/app-data; rm /run/app-data/lab-unhealthy; echo after-the-snapshots > /run/app-data/newer");
        using (var all = JsonDocument.Parse(await SshAsync("RESTIC_PASSWORD_FILE=/run/restic-password restic -r /run/restic-repo snapshots --json")))
        {
            bad = all.RootElement.EnumerateArray().Last().GetProperty("short_id").GetString()!;
        }
        await Eventually.WaitAsync(async () => (await lab.RunAsync("services", "-f", lab.Inventory)).ExitCode == 0, () => "app healthy again did not happen in time");

        var failed = await lab.RunAsync("restore", "-f", lab.Inventory, "media/app", "--snapshot", bad);

        Assert.True(failed.ExitCode == 1, failed.Output + failed.Error);
        Assert.Contains("app is unhealthy", failed.Error, StringComparison.Ordinal);
        Assert.Contains("the data from before the restore is back and app, web run healthy on it", failed.Error, StringComparison.Ordinal);
        Assert.Equal("after-the-snapshots", await SshAsync("cat /run/app-data/newer"));
        Assert.Equal("absent", await SshAsync("[ -e /run/app-data/lab-unhealthy ] && echo present || echo absent"));

        // The newest verified snapshot brings back a file deleted since.
        await SshAsync("rm /run/app-data/marker");
        var restored = await lab.RunAsync("restore", "-f", lab.Inventory, "media/app");
        Assert.True(restored.ExitCode == 0, restored.Output + restored.Error);
        Assert.Equal("marker-1", await SshAsync("cat /run/app-data/marker"));
        Assert.Equal("none", await SshAsync("ls -d /run/app-data.flotilla-pre-restore-* 2>/dev/null || echo none"));
        Assert.Equal(0, (await lab.RunAsync("services", "-f", lab.Inventory)).ExitCode);
    }

    [LabFact]
    public async Task A_restore_gates_a_container_that_podman_is_slow_to_start_only_once_it_runs()
    {
        // Only a liveness check (three attempts, 5 s apart): it would have given up before podman
        // started the container (CI saw this under load; here podman run waits 15 s first).
        const string slow = """
            {
              "version": 1,
              "hosts": { "media": { "target": "10.1.0.2" } },
              "services": {
                "app": { "host": "media", "healthChecks": [ { "type": "http", "url": "http://localhost:8080/" } ],
                         "container": { "image": "registry.lan/app:1", "ports": [ "8080:8080" ], "volumes": [ "/run/app-data:/data" ] },
                         "backup": { "paths": [ "/run/app-data" ], "repository": "/run/restic-repo", "passwordFile": "/run/restic-password", "stop": true } }
              }
            }
            """;
        using var dir = new TempDirectory();
        await using var lab = await CliLab.UpAsync(dir.Path, "rw", dir.Write("flotilla.json", slow));
        var media = await MediaAsync(lab);
        var backup = await lab.RunAsync("backup", "-f", lab.Inventory);
        Assert.True(backup.ExitCode == 0, backup.Output + backup.Error);
        // A podman ahead of the real one on the PATH the host's units get: `podman run` waits 15 s.
        Assert.Equal("/usr/local/bin/podman", await media.SshAsync("mkdir -p /run/slow-podman && printf '#!/bin/sh\n[ \"$1\" = run ] && sleep 15\nexec /usr/bin/podman \"$@\"\n' > /run/slow-podman/podman && chmod 755 /run/slow-podman/podman && mount --bind /run/slow-podman /usr/local/bin && command -v podman"));
        await media.SshAsync("rm /run/app-data/marker");

        var restored = await lab.RunAsync("restore", "-f", lab.Inventory, "media/app");

        Assert.True(restored.ExitCode == 0, restored.Output + restored.Error);
        Assert.Contains("passed: startup check command", restored.Output, StringComparison.Ordinal);
        Assert.Equal("marker-1", await media.SshAsync("cat /run/app-data/marker"));
    }

    [Fact]
    public async Task A_backup_without_a_password_says_what_to_set_and_fails()
    {
        using var dir = new TempDirectory();
        var inventory = dir.Write("flotilla.json", Inventory.Replace("\"passwordFile\": \"/run/restic-password\", ", "", StringComparison.Ordinal));

        var run = await CliRunner.RunAsync(dir.Path, "backup", "-f", inventory);

        Assert.Equal(ExitCodes.Failed, run.ExitCode);
        Assert.Contains("set backup.passwordFile (a file on its host) or backup.passwordKey", run.Output, StringComparison.Ordinal);
    }

    /// <summary>The lab's host "media" once app and web answer, with the repository password and a marker file written there.</summary>
    private static async Task<LabHost> MediaAsync(CliLab lab)
    {
        var host = new LabHost((await lab.AddressesAsync())["media"]);
        await Eventually.WaitAsync(async () => (await lab.RunAsync("services", "-f", lab.Inventory)).ExitCode == 0, () => "app and web running and healthy did not happen in time");
        await host.SshAsync("umask 077; printf 'a restic password' > /run/restic-password; echo marker-1 > /run/app-data/marker");
        return host;
    }

    private sealed record LabHost(string Address)
    {
        public async Task<string> SshAsync(string command)
        {
            var result = await ProcessRunner.RunAsync("ssh", ["-o", "BatchMode=yes", "root@" + Address, command]);
            Assert.True(result.ExitCode == 0, $"{command}: {result.StandardError}");
            return result.StandardOutput.Trim();
        }
    }
}
