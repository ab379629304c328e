using System.Text.Json;
using Flotilla.Cli;
using Flotilla.Processes;
using Flotilla.Tests.Support;

namespace Flotilla.Tests;

/// <summary><c>flotilla status --storage</c> on a lab host with a real volume (a 4 MiB tmpfs in the host's own mount namespace).</summary>
public sealed class StatusStorageTests
{
    private const string Inventory = """
        { "version": 1, "hosts": { "media": { "target": "10.1.0.2" } } }
        """;

    [LabFact]
    public async Task A_volume_past_its_critical_threshold_exits_1_and_says_why_and_freed_it_exits_0()
    {
        using var dir = new TempDirectory();
        await using var lab = await CliLab.UpAsync(dir.Path, "st", dir.Write("flotilla.json", Inventory));
        var handle = await Flotilla.Lab.Lab.OpenAsync(lab.Name, CliLab.StateRoot);
        var enter = handle.EnterCommand("media");
        async Task InHostAsync(params string[] command)
        {
            var result = await ProcessRunner.RunAsync(enter[0], [.. enter.Skip(1), .. command]);
            Assert.True(result.ExitCode == 0, $"{string.Join(' ', command)}: {result.StandardError}");
        }

        await InHostAsync("mkdir", "-p", "/run/fun");
        await InHostAsync("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", "/run/fun");
        await InHostAsync("dd", "if=/dev/zero", "of=/run/fun/media.bin", "bs=1024", "count=3800");

        var full = await lab.RunAsync("status", "-f", lab.Inventory, "--storage", "--storage-path", "/run/fun=80,90", "--storage-path", "/run/nothing-here");
        Assert.True(full.ExitCode == ExitCodes.Failed, full.Output + full.Error);
        var line = Assert.Single(full.Output.Split('\n'), l => l.StartsWith("media ", StringComparison.Ordinal));
        Assert.Contains("/run/fun", line, StringComparison.Ordinal);
        Assert.Contains("CRITICAL: 92.8% of space used (critical at 90%)", line, StringComparison.Ordinal);
        Assert.Contains("status: media has no /run/nothing-here", full.Error, StringComparison.Ordinal);

        // The inventory's own thresholds for the host, without --storage-path.
        var address = (await lab.AddressesAsync())["media"];
        var own = dir.Write("own.json", $$"""
            { "version": 1, "hosts": { "media": { "target": "root@{{address}}", "storage": { "/run/fun": { "warning": 95, "critical": 99 } } } } }
            """);
        var calm = await lab.RunAsync("status", "-f", own, "--storage");
        Assert.True(calm.ExitCode == ExitCodes.Success, calm.Output + calm.Error);
        Assert.EndsWith(" ok", Assert.Single(calm.Output.Split('\n'), l => l.StartsWith("media ", StringComparison.Ordinal)).TrimEnd(), StringComparison.Ordinal);
        await InHostAsync("dd", "if=/dev/zero", "of=/run/fun/more.bin", "bs=1024", "count=150");
        var warned = await lab.RunAsync("status", "-f", own, "--storage");
        Assert.True(warned.ExitCode == ExitCodes.Failed, warned.Output + warned.Error);
        var line2 = Assert.Single(warned.Output.Split('\n'), l => l.StartsWith("media ", StringComparison.Ordinal));
        Assert.Contains("WARNING: 96.", line2, StringComparison.Ordinal);
        Assert.Contains("% of space used (warning at 95%)", line2, StringComparison.Ordinal);
        await InHostAsync("rm", "/run/fun/more.bin");

        await InHostAsync("rm", "/run/fun/media.bin");
        var freed = await lab.RunAsync("status", "-f", lab.Inventory, "--storage", "--storage-path", "/run/fun=80,90", "--json");
        Assert.True(freed.ExitCode == ExitCodes.Success, freed.Output + freed.Error);
        using var json = JsonDocument.Parse(freed.Output);
        var fun = Assert.Single(json.RootElement.EnumerateArray());
        Assert.Equal(("media", "/run/fun", "ok", 4L * 1024 * 1024), (fun.GetProperty("host").GetString(), fun.GetProperty("path").GetString(), fun.GetProperty("state").GetString(), fun.GetProperty("totalBytes").GetInt64()));

        // Without paths: every real mount of the host, as its agent would watch them.
        var all = await lab.RunAsync("status", "-f", lab.Inventory, "--storage", "--json");
        using var mounts = JsonDocument.Parse(all.Output);
        Assert.Contains(mounts.RootElement.EnumerateArray(), m => m.GetProperty("path").GetString() == "/");
    }

    [Fact]
    public async Task A_storage_path_that_is_not_absolute_says_how_to_write_it()
    {
        using var dir = new TempDirectory();
        var run = await CliRunner.RunAsync(dir.Path, "status", "-f", dir.Write("flotilla.json", Inventory), "--storage", "--storage-path", "fun=80,90");

        Assert.Equal(ExitCodes.InvalidInput, run.ExitCode);
        Assert.Contains("status: --storage-path \"fun=80,90\": the path must be absolute", run.Error, StringComparison.Ordinal);
    }
}
