using System.Diagnostics;
using Flotilla.Processes;
using Flotilla.Tests.Support;

namespace Flotilla.Tests;

/// <summary>
/// <c>flotilla migrate</c> on a lab host that runs a legacy NixOS unit (sonarr, as nixpkgs runs it
/// for nixarr) and declares its container twin on the same port and data directory (issue 13,
/// seed 001's side-by-side migration), with real podman.
/// </summary>
public sealed class MigrateCommandTests
{
    private const string Inventory = """
        {
          "version": 1,
          "hosts": { "media": { "target": "10.1.0.2" } },
          "services": {
            "sonarr": { "host": "media", "healthChecks": [ { "type": "http", "url": "http://localhost:8989/" } ],
                        "container": { "image": "registry.lan/sonarr:1", "ports": [ "8989:8989" ], "volumes": [ "/run/sonarr-data:/config" ], "user": "568:568", "autoStart": false, "environment": { "LAB_HEALTH": "@health@" } },
                        "legacy": { "unit": "sonarr.service", "ports": [ 8989 ], "dataDir": "/run/sonarr-data", "user": "274:274" } }
          }
        }
        """;

    private const string HostState = "/run/flotilla-migrations";

    [LabFact]
    public async Task Status_reports_the_conflicts_migrate_moves_the_data_to_the_container_s_user_and_rollback_returns_to_the_legacy_unit()
    {
        using var dir = new TempDirectory();
        await using var lab = await CliLab.UpAsync(dir.Path, "mg", dir.Write("flotilla.json", Inventory.Replace("@health@", "healthy", StringComparison.Ordinal)));
        var media = await MediaAsync(lab);

        var status = await lab.RunAsync("migrate", "status", "-f", lab.Inventory, "--host-state", HostState);

        Assert.True(status.ExitCode == 0, status.Output + status.Error);
        var row = Assert.Single(status.Output.Split('\n'), l => l.StartsWith("media ", StringComparison.Ordinal));
        Assert.Contains(" legacy ", row, StringComparison.Ordinal);
        Assert.Contains("port 8989: sonarr.service and container sonarr both use it (sonarr.service listens on it now)", row, StringComparison.Ordinal);
        Assert.Contains("data: sonarr.service and container sonarr both write /run/sonarr-data", row, StringComparison.Ordinal);
        Assert.Contains("owner: /run/sonarr-data is owned by 274:274; the container runs as 568:568", row, StringComparison.Ordinal);

        var migrated = await lab.RunAsync("migrate", "-f", lab.Inventory, "--host-state", HostState, "media/sonarr", "--to", "container");

        Assert.True(migrated.ExitCode == 0, migrated.Output + migrated.Error);
        Assert.Equal("marker-1 568:568", await media("cat /run/sonarr-data/marker; stat -c %u:%g /run/sonarr-data/marker"));
        Assert.Equal("marker-1 274:274", await media("cat /run/sonarr-data.flotilla-pre-migrate/marker; stat -c %u:%g /run/sonarr-data.flotilla-pre-migrate/marker"));
        Assert.Equal("running 568:568", await media("podman inspect sonarr --format '{{.State.Status}} {{.Config.User}}'"));
        Assert.Equal("masked-runtime", await media("systemctl is-enabled sonarr || true"));
        Assert.NotEqual("active", await media("systemctl is-active sonarr || true"));
        var after = await lab.RunAsync("migrate", "status", "-f", lab.Inventory, "--host-state", HostState);
        Assert.Contains(" migrated ", Assert.Single(after.Output.Split('\n'), l => l.StartsWith("media ", StringComparison.Ordinal)), StringComparison.Ordinal);
        // A journaled run, listed with the others.
        var runs = await lab.RunAsync("runs");
        Assert.Contains("migrate", runs.Output, StringComparison.Ordinal);
        // Migrating again changes nothing.
        var again = await lab.RunAsync("migrate", "-f", lab.Inventory, "--host-state", HostState, "all", "--to", "container");
        Assert.True(again.ExitCode == 0, again.Output + again.Error);

        var back = await lab.RunAsync("migrate", "-f", lab.Inventory, "--host-state", HostState, "media/sonarr", "--rollback");

        Assert.True(back.ExitCode == 0, back.Output + back.Error);
        Assert.Equal("active", await media("systemctl is-active sonarr"));
        Assert.Equal("enabled", await media("systemctl is-enabled sonarr"));
        Assert.Equal("marker-1 274:274", await media("cat /run/sonarr-data/marker; stat -c %u:%g /run/sonarr-data/marker"));
        Assert.Equal("absent", await media("podman container exists sonarr && podman inspect sonarr --format '{{.State.Status}}' | grep -qx running && echo running || echo absent"));
        var legacyAgain = await lab.RunAsync("migrate", "status", "-f", lab.Inventory, "--host-state", HostState);
        Assert.Contains(" legacy ", Assert.Single(legacyAgain.Output.Split('\n'), l => l.StartsWith("media ", StringComparison.Ordinal)), StringComparison.Ordinal);
    }

    [LabFact]
    public async Task A_container_that_fails_its_health_gate_leaves_the_legacy_unit_running_on_its_data_untouched()
    {
        using var dir = new TempDirectory();
        await using var lab = await CliLab.UpAsync(dir.Path, "mf", dir.Write("flotilla.json", Inventory.Replace("@health@", "unhealthy", StringComparison.Ordinal)));
        var media = await MediaAsync(lab);

        var migrated = await lab.RunAsync("migrate", "-f", lab.Inventory, "--host-state", HostState, "media/sonarr", "--to", "container");

        Assert.True(migrated.ExitCode != 0, migrated.Output + migrated.Error);
        Assert.Contains("sonarr is unhealthy", migrated.Output + migrated.Error, StringComparison.Ordinal);
        Assert.Contains("sonarr.service runs again, healthy, on its data as it was", migrated.Output + migrated.Error, StringComparison.Ordinal);
        Assert.Equal("active", await media("systemctl is-active sonarr"));
        Assert.Equal("marker-1 274:274 274:274", await media("cat /run/sonarr-data/marker; stat -c %u:%g /run/sonarr-data/marker /run/sonarr-data"));
        Assert.Equal("enabled", await media("systemctl is-enabled sonarr"));
        Assert.Equal("none", await media($"ls {HostState} 2>/dev/null | grep . || echo none"));
    }

    [LabFact]
    public async Task A_migration_killed_after_the_unit_stopped_resumes_and_a_rollback_still_gives_the_data_its_first_owner()
    {
        using var dir = new TempDirectory();
        // The container answers only after 5 s: the run is killed while it waits for it.
        await using var lab = await CliLab.UpAsync(dir.Path, "mr", dir.Write("flotilla.json", Inventory.Replace("@health@", "slow", StringComparison.Ordinal)));
        var media = await MediaAsync(lab);
        var state = Path.Combine(dir.Path, "state");

        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = dir.Path, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in (string[])[Path.Combine(AppContext.BaseDirectory, "flotilla.dll"), "migrate", "-f", lab.Inventory, "--host-state", HostState, "--state-dir", state, "media/sonarr", "--to", "container"])
        {
            start.ArgumentList.Add(arg);
        }

        using (var process = Process.Start(start)!)
        {
            _ = process.StandardOutput.ReadToEndAsync();
            _ = process.StandardError.ReadToEndAsync();
            try
            {
                for (var i = 0; i < 200 && !process.HasExited && await media("systemctl is-active sonarr || true") == "active"; i++)
                {
                    await Task.Delay(100);
                }

                Assert.False(process.HasExited, "the migration ended before the legacy unit stopped");
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
            finally
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                }
            }
        }

        var run = Path.GetFileName(Assert.Single(Directory.GetDirectories(Path.Combine(state, "runs"))));
        Assert.False(File.Exists(Path.Combine(state, "runs", run, "result.json")), "the killed run finished");
        Assert.Contains("state=migrating", await media($"cat {HostState}/sonarr"), StringComparison.Ordinal);

        // The run's own --host-state (not the default) is where its record is.
        var resumed = await lab.RunAsync("migrate", "--resume", run, "--state-dir", state);

        Assert.True(resumed.ExitCode == 0, resumed.Output + resumed.Error);
        Assert.Contains("0 of 1 steps are done", resumed.Error, StringComparison.Ordinal);
        Assert.Equal("marker-1 568:568", await media("cat /run/sonarr-data/marker; stat -c %u:%g /run/sonarr-data/marker"));
        Assert.Equal("running", await media("podman inspect sonarr --format '{{.State.Status}}'"));

        // The record kept the owner from before the first attempt, not what that attempt left.
        var back = await lab.RunAsync("migrate", "-f", lab.Inventory, "--host-state", HostState, "--state-dir", state, "media/sonarr", "--rollback");
        Assert.True(back.ExitCode == 0, back.Output + back.Error);
        Assert.Equal("marker-1 274:274", await media("cat /run/sonarr-data/marker; stat -c %u:%g /run/sonarr-data/marker"));
    }

    /// <summary>The lab's host "media" once its legacy sonarr answers, with its data (a marker) owned by the legacy user.</summary>
    private static async Task<Func<string, Task<string>>> MediaAsync(CliLab lab)
    {
        var address = (await lab.AddressesAsync())["media"];
        async Task<string> SshAsync(string command)
        {
            var result = await ProcessRunner.RunAsync("ssh", ["-o", "BatchMode=yes", "root@" + address, command]);
            Assert.True(result.ExitCode == 0, $"{command}: {result.StandardError}");
            return result.StandardOutput.Trim().ReplaceLineEndings(" ");
        }

        for (var i = 0; i < 60 && await SshAsync("systemctl is-active sonarr || true") != "active"; i++)
        {
            await Task.Delay(500);
        }

        await SshAsync("mkdir -p /run/sonarr-data && echo marker-1 > /run/sonarr-data/marker && chown -R 274:274 /run/sonarr-data");
        return SshAsync;
    }
}
