using System.Globalization;
using System.Text.Json;
using Flotilla.Processes;
using Flotilla.Tests.Support;

namespace Flotilla.Tests;

/// <summary>
/// <c>flotilla backup</c> and <c>restore</c> with Kopia on a lab host with real containers. Kopia
/// cannot be installed here (see DESIGN.md): the host runs the stand-in of
/// tests/Flotilla.Execution.Tests/Fixtures/kopia (bind-mounted over the host's /usr/local/bin, on
/// the PATH of its ssh sessions), which records every invocation (its arguments, the names of the
/// KOPIA_* variables, whether KOPIA_PASSWORD is the password file's content) and answers in
/// Kopia's recorded shapes. These tests assert those recorded invocations.
/// </summary>
public sealed class KopiaBackupCommandTests
{
    private const string Password = "a kopia password";
    private const string Config = "/run/kopia-repo.kopia.config";
    private const string Kopia = "--config-file=" + Config + " ";
    private const string ByHand = "KOPIA_PASSWORD=$(cat /run/kopia-password) kopia " + Kopia;

    // The invocations so far move to all.log (the password checks read both), the log starts empty.
    private const string NewLog = "cat /run/fake-kopia/log >> /run/fake-kopia/all.log; : > /run/fake-kopia/log";

    private const string Inventory = """
        {
          "version": 1,
          "hosts": { "media": { "target": "10.1.0.2" } },
          "services": {
            "app": { "host": "media", "healthChecks": [ { "type": "http", "url": "http://localhost:8080/" } ],
                     "container": { "image": "registry.lan/app:1", "ports": [ "8080:8080" ], "volumes": [ "/run/app-data:/data" ] },
                     "backup": { "tool": "kopia", "paths": [ "/run/app-data" ], "repository": "/run/kopia-repo", "passwordFile": "/run/kopia-password", "stop": true, "keep": { "daily": 1 } } },
            "web": { "host": "media", "dependsOn": [ "app" ], "healthChecks": [ { "type": "http", "url": "http://localhost:8081/" } ],
                     "container": { "image": "registry.lan/web:1", "ports": [ "8081:8081" ] } }
          }
        }
        """;

    [LabFact]
    public async Task A_kopia_backup_runs_kopia_s_commands_with_the_password_from_its_file_and_retention_deletes_only_older_verified_snapshots()
    {
        using var dir = new TempDirectory();
        await using var lab = await CliLab.UpAsync(dir.Path, "kb", dir.Write("flotilla.json", Inventory));
        var media = await MediaAsync(lab);

        var first = await lab.RunAsync("backup", "-f", lab.Inventory);

        Assert.True(first.ExitCode == 0, first.Output + first.Error);
        var lines = first.Output.Split('\n');
        int At(string text) => Array.FindIndex(lines, l => l.Contains(text, StringComparison.Ordinal)) is >= 0 and var i ? i : throw new Xunit.Sdk.XunitException($"no line with {text}:\n{first.Output}");
        Assert.True(At("media/app: stopping web, app") < At("media/app: snapshot ") && At("media/app: snapshot ") < At("media/app: starting app, web"), first.Output);
        var one = Snapshot(first.Output);
        var row = Assert.Single(lines, l => l.StartsWith("media ", StringComparison.Ordinal));
        Assert.True(row.Contains($"snapshot {one} verified (verified: kopia snapshot verify passed and marker (9 bytes) restored)", StringComparison.Ordinal), first.Output);
        Assert.Equal(
            [
                $"repository create filesystem --path=/run/kopia-repo --config-file={Config} --no-persist-credentials --no-check-for-updates",
                Kopia + "snapshot create --json --tags=flotilla-service:app /run/app-data",
                Kopia + $"snapshot verify --verify-files-percent=10 {one}",
                Kopia + $"ls -l -r {one}",
                Kopia + $"restore {one}/marker /tmp/flotilla-restore-test-{one}/sample",
                Kopia + $"snapshot pin --add=verified {one}",
                Kopia + "snapshot list --json --tags=flotilla-service:app",
            ],
            await media.InvocationsAsync());
        Assert.Equal("absent", await media.SshAsync($"[ -e /tmp/flotilla-restore-test-{one} ] && echo present || echo absent"));

        // By hand, as a person would with kopia: an old verified snapshot, an older one a person
        // also pinned, one never verified, and a verified one of another service.
        var old = await media.ByHandAsync("snapshot create --json --tags=flotilla-service:app --start-time='2026-01-02 04:00:00 UTC' /run/app-data");
        await media.SshAsync(ByHand + $"snapshot pin --add=verified {old}");
        var pinned = await media.ByHandAsync("snapshot create --json --tags=flotilla-service:app --start-time='2026-01-01 04:00:00 UTC' /run/app-data");
        await media.SshAsync(ByHand + $"snapshot pin --add=verified --add=keep-forever {pinned}");
        var unverified = await media.ByHandAsync("snapshot create --json --tags=flotilla-service:app /run/app-data");
        var other = await media.ByHandAsync("snapshot create --json --tags=flotilla-service:web --start-time='2026-01-02 04:00:00 UTC' /run/app-data");
        await media.SshAsync(ByHand + $"snapshot pin --add=verified {other}");
        // The host lost its connection (its config file): the driver connects to the repository again.
        await media.SshAsync($"rm {Config}; {NewLog}");

        var second = await lab.RunAsync("backup", "-f", lab.Inventory, "--service", "app");

        Assert.True(second.ExitCode == 0, second.Output + second.Error);
        Assert.True(second.Output.Contains("retention removed 2 older verified snapshot(s)", StringComparison.Ordinal), second.Output);
        var two = Snapshot(second.Output);
        Assert.Equal(
            [
                $"repository connect filesystem --path=/run/kopia-repo --config-file={Config} --no-persist-credentials --no-check-for-updates",
                Kopia + "snapshot create --json --tags=flotilla-service:app /run/app-data",
                Kopia + $"snapshot verify --verify-files-percent=10 {two}",
                Kopia + $"ls -l -r {two}",
                Kopia + $"restore {two}/marker /tmp/flotilla-restore-test-{two}/sample",
                Kopia + $"snapshot pin --add=verified {two}",
                Kopia + "snapshot list --json --tags=flotilla-service:app",
                Kopia + $"snapshot delete --delete {one} {old}",
            ],
            await media.InvocationsAsync());

        Assert.Equal([pinned, unverified, two], await media.SnapshotsAsync("app"));
        Assert.Equal([other], await media.SnapshotsAsync("web"));
        var list = await lab.RunAsync("backup", "list", "-f", lab.Inventory);
        Assert.True(list.ExitCode == 0, list.Output + list.Error);
        var rows = list.Output.Split('\n').Where(l => l.StartsWith("media ", StringComparison.Ordinal)).ToList();
        Assert.Equal([pinned, unverified, two], rows.Select(r => r.Split(' ', StringSplitOptions.RemoveEmptyEntries)[4]));
        Assert.Equal(["yes", "no", "yes"], rows.Select(r => r.Split(' ', StringSplitOptions.RemoveEmptyEntries)[7]));
        var size = Flotilla.Contracts.StorageUsage.FormatBytes(long.Parse(await media.SshAsync("find /run/app-data -type f -printf '%s\\n' | awk '{ s += $1 } END { print s + 0 }'"), CultureInfo.InvariantCulture));
        Assert.All(rows, r => Assert.Contains($" {size} ", r, StringComparison.Ordinal));
        Assert.Contains(" SIZE ", list.Output.Split('\n')[0], StringComparison.Ordinal);

        // Every invocation had the password from its file in KOPIA_PASSWORD, and never in argv.
        var log = await media.SshAsync("cat /run/fake-kopia/all.log /run/fake-kopia/log");
        Assert.Contains("snapshot pin --add=verified --add=keep-forever", log, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, log, StringComparison.Ordinal);
        Assert.All(log.Split('\n'), l => Assert.EndsWith("\tKOPIA_PASSWORD\tpassword=file", l, StringComparison.Ordinal));
    }

    [LabFact]
    public async Task A_kopia_restore_restores_in_place_or_into_a_directory_and_an_unverified_snapshot_gets_no_retention()
    {
        using var dir = new TempDirectory();
        await using var lab = await CliLab.UpAsync(dir.Path, "kr", dir.Write("flotilla.json", Inventory));
        var media = await MediaAsync(lab);
        var backup = await lab.RunAsync("backup", "-f", lab.Inventory);
        Assert.True(backup.ExitCode == 0, backup.Output + backup.Error);
        var one = Snapshot(backup.Output);
        await media.SshAsync("rm /run/app-data/marker; echo after-the-snapshot > /run/app-data/newer; " + NewLog);

        var restored = await lab.RunAsync("restore", "-f", lab.Inventory, "media/app");

        Assert.True(restored.ExitCode == 0, restored.Output + restored.Error);
        Assert.Equal([Kopia + "snapshot list --json --tags=flotilla-service:app", Kopia + $"restore {one} /run/app-data"], await media.InvocationsAsync());
        Assert.Equal("marker-1", await media.SshAsync("cat /run/app-data/marker"));
        Assert.Equal("absent", await media.SshAsync("[ -e /run/app-data/newer ] && echo present || echo absent"));
        Assert.Equal("none", await media.SshAsync("ls -d /run/app-data.flotilla-pre-restore-* 2>/dev/null || echo none"));
        Assert.Equal(0, (await lab.RunAsync("services", "-f", lab.Inventory)).ExitCode);

        await media.SshAsync(NewLog);
        var copied = await lab.RunAsync("restore", "-f", lab.Inventory, "media/app", "--snapshot", one, "--to", "/run/restored");

        Assert.True(copied.ExitCode == 0, copied.Output + copied.Error);
        Assert.Equal([Kopia + $"restore {one} /run/restored"], await media.InvocationsAsync());
        Assert.Equal("marker-1", await media.SshAsync("cat /run/restored/marker"));

        // A snapshot kopia does not verify is not pinned, and no retention runs after it.
        await media.SshAsync(NewLog + "; touch /run/fake-kopia/fail-verify");
        var failed = await lab.RunAsync("backup", "-f", lab.Inventory);

        Assert.True(failed.ExitCode == 1, failed.Output + failed.Error);
        var two = Snapshot(failed.Output);
        Assert.Contains($"snapshot {two} was not verified, so no retention was applied: kopia snapshot verify failed", failed.Output, StringComparison.Ordinal);
        Assert.Equal([Kopia + "snapshot create --json --tags=flotilla-service:app /run/app-data", Kopia + $"snapshot verify --verify-files-percent=10 {two}"], await media.InvocationsAsync());
        Assert.Equal([one, two], await media.SnapshotsAsync("app"));
        var log = await media.SshAsync("cat /run/fake-kopia/all.log /run/fake-kopia/log");
        Assert.DoesNotContain(Password, log, StringComparison.Ordinal);
        Assert.All(log.Split('\n'), l => Assert.EndsWith("\tKOPIA_PASSWORD\tpassword=file", l, StringComparison.Ordinal));
    }

    private static string Snapshot(string output) =>
        output.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("media/app: snapshot ", StringComparison.Ordinal))?["media/app: snapshot ".Length..]
        ?? throw new Xunit.Sdk.XunitException("no snapshot line in:\n" + output);

    /// <summary>The lab's host "media" once app and web answer, with the stand-in kopia on its PATH, the repository password and a marker file.</summary>
    private static async Task<LabHost> MediaAsync(CliLab lab)
    {
        var host = new LabHost((await lab.AddressesAsync())["media"]);
        await Eventually.WaitAsync(async () => (await lab.RunAsync("services", "-f", lab.Inventory)).ExitCode == 0, () => "app and web running and healthy did not happen in time");
        var standIn = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Fixtures", "kopia", "kopia"));
        await host.SshAsync("mkdir -p /run/fake-kopia/bin && cat > /run/fake-kopia/bin/kopia && chmod 755 /run/fake-kopia/bin/kopia && mount --bind /run/fake-kopia/bin /usr/local/bin", standIn);
        await host.SshAsync($"umask 077; printf '%s' '{Password}' > /run/kopia-password; echo /run/kopia-password > /run/fake-kopia/password-file; echo marker-1 > /run/app-data/marker");
        Assert.Equal("/usr/local/bin/kopia", await host.SshAsync("command -v kopia"));
        return host;
    }

    private sealed record LabHost(string Address)
    {
        public async Task<string> SshAsync(string command, string? input = null)
        {
            var result = await ProcessRunner.RunAsync("ssh", ["-o", "BatchMode=yes", "root@" + Address, command], null, input, null);
            Assert.True(result.ExitCode == 0, $"{command}: {result.StandardError}");
            return result.StandardOutput.Trim();
        }

        /// <summary>The arguments of each kopia invocation since the log was last emptied.</summary>
        public async Task<IReadOnlyList<string>> InvocationsAsync() =>
            [.. (await SshAsync("cat /run/fake-kopia/log")).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('\t')[0])];

        /// <summary>Runs <c>kopia snapshot create --json ...</c> by hand: the new snapshot's id.</summary>
        public async Task<string> ByHandAsync(string arguments)
        {
            using var json = JsonDocument.Parse(await SshAsync(ByHand + arguments));
            return json.RootElement.GetProperty("id").GetString()!;
        }

        /// <summary>The ids of a service's snapshots in the repository, oldest first, as kopia lists them.</summary>
        public async Task<IReadOnlyList<string>> SnapshotsAsync(string service)
        {
            using var json = JsonDocument.Parse(await SshAsync(ByHand + "snapshot list --json --tags=flotilla-service:" + service));
            return [.. json.RootElement.EnumerateArray().Select(s => s.GetProperty("id").GetString()!)];
        }
    }
}
