using Flotilla.Contracts;
using Flotilla.Processes;
using Flotilla.Tests.Support;

namespace Flotilla.Tests;

/// <summary>
/// Storage alerts (issue 13): a real agent watching a real volume (a 4 MiB tmpfs this test mounts,
/// so root, as CI is), a real server, its dashboard and /metrics.
/// </summary>
public sealed class StorageAlertTests(SqliteTargets targets) : IClassFixture<SqliteTargets>
{
    [LabFact]
    public async Task A_volume_filled_past_its_threshold_raises_a_critical_alert_within_a_heartbeat_and_it_clears_when_space_is_freed()
    {
        using var directory = new TempDirectory();
        var volume = Directory.CreateDirectory(Path.Combine(directory.Path, "fun")).FullName;
        await using var mount = await TmpfsAsync(volume, "4m");
        using var login = new DashboardLogin();
        await using var plane = await ControlPlaneHarness.StartAsync(await targets.NewAsync(), login.Configure, login.Build);
        plane.StartAgent(await plane.AddHostAsync("media"), intervalSeconds: 1, arguments: ["--storage", volume + "=80,90"]);
        await plane.WaitForStatusAsync("media", "online");
        await Eventually.WaitAsync(async () => (await plane.HostAsync("media"))?.Storage?.Count == 1, () => "the agent never reported its volume");
        var quiet = (await plane.HostAsync("media"))!;
        Assert.Equal((volume, 4L * 1024 * 1024, 80.0, 90.0), (quiet.Storage![0].Path, quiet.Storage[0].TotalBytes, quiet.Storage[0].Warning, quiet.Storage[0].Critical));
        Assert.Empty(quiet.StorageAlerts!);
        await login.LogInAsync(plane.BaseUrl);

        // 3.8 of 4 MiB: past 90 %.
        await File.WriteAllBytesAsync(Path.Combine(volume, "media.bin"), new byte[(int)(3.8 * 1024 * 1024)]);
        // A heartbeat seen 1.5 s after one seen once the volume filled was sampled after it filled
        // (the one seen before logging in may be seconds old: heartbeats after it can predate the write).
        var last = (await plane.HostAsync("media"))!.LastSeen;
        await Eventually.WaitAsync(async () => (await plane.HostAsync("media"))!.LastSeen > last!.Value.AddSeconds(1.5), () => "no heartbeat 1.5 s after the volume filled");
        var full = (await plane.HostAsync("media"))!;
        var alert = Assert.Single(full.StorageAlerts!);
        Assert.Equal((volume, "critical"), (alert.Path, alert.Severity));
        Assert.StartsWith("95", alert.Reason, StringComparison.Ordinal);
        Assert.Contains("of space used (critical at 90%)", alert.Reason, StringComparison.Ordinal);
        Assert.Equal(2, await plane.MetricAsync($"flotilla_storage_alert{{host=\"media\",path=\"{volume}\"}}"));
        Assert.InRange(await plane.MetricAsync($"flotilla_storage_used_ratio{{host=\"media\",path=\"{volume}\"}}"), 0.9, 1.0);
        var fleetPage = await login.Http.GetStringAsync("/");
        Assert.Contains($"<li class=\"alert-critical\" data-host=\"media\" data-path=\"{volume}\">", fleetPage, StringComparison.Ordinal);
        var hostPage = await login.Http.GetStringAsync("/hosts/media");
        Assert.Contains("class=\"storage-critical\"", hostPage, StringComparison.Ordinal);

        // Freed: the alert clears with the next heartbeats.
        File.Delete(Path.Combine(volume, "media.bin"));
        await Eventually.WaitAsync(async () => (await plane.HostAsync("media"))!.StorageAlerts!.Count == 0, () => "the alert did not clear after the space was freed");
        Assert.Equal(0, await plane.MetricAsync($"flotilla_storage_alert{{host=\"media\",path=\"{volume}\"}}"));
        Assert.DoesNotContain("alert-critical", await login.Http.GetStringAsync("/"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/fun", "/fun", 80.0, 90.0)]
    [InlineData("/var/lib=70,85.5", "/var/lib", 70.0, 85.5)]
    public void A_watched_path_takes_its_thresholds_or_the_defaults(string text, string path, double warning, double critical)
    {
        var threshold = StorageThreshold.TryParse(text, out var error);

        Assert.Null(error);
        Assert.Equal(new StorageThreshold(path, warning, critical), threshold);
    }

    [Theory]
    [InlineData("fun", "the path must be absolute")]
    [InlineData("/fun=90,80", "WARN below CRIT")]
    [InlineData("/fun=80", "WARN below CRIT")]
    [InlineData("/fun=80,120", "WARN below CRIT")]
    public void A_bad_watched_path_says_how_to_write_it(string text, string expected)
    {
        Assert.Null(StorageThreshold.TryParse(text, out var error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Inodes_past_their_threshold_are_an_alert_too_and_the_reason_says_when_it_will_be_full()
    {
        var inodes = new StorageUsage("/srv", 1000, 100, TotalInodes: 1000, UsedInodes: 850);
        var growing = new StorageUsage("/fun", 1000, 920, 0, 0, GrowthBytesPerHour: 40, HoursToFull: 2);

        Assert.Equal((StorageSeverity.Warning, "85% of inodes used (warning at 80%)"), (inodes.Severity, inodes.Reason));
        Assert.Equal((StorageSeverity.Critical, "92% of space used (critical at 90%); full in about 2 h at its growth"), (growing.Severity, growing.Reason));
        Assert.Null(new StorageUsage("/", 1000, 100, 1000, 100).Reason);
    }

    [LabFact]
    public async Task Growth_and_time_to_full_come_from_the_agent_s_own_samples_once_they_span_ten_minutes()
    {
        using var directory = new TempDirectory();
        var volume = Directory.CreateDirectory(Path.Combine(directory.Path, "data")).FullName;
        await using var mount = await TmpfsAsync(volume, "4m");
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero));
        var probe = new Flotilla.Agent.Internal.StorageProbe([new StorageThreshold(volume)], time);

        var first = Assert.Single(probe.Read());
        time.Advance(TimeSpan.FromMinutes(5));
        await File.WriteAllBytesAsync(Path.Combine(volume, "a"), new byte[512 * 1024]);
        var early = Assert.Single(probe.Read());
        time.Advance(TimeSpan.FromMinutes(5));
        await File.WriteAllBytesAsync(Path.Combine(volume, "b"), new byte[512 * 1024]);
        var later = Assert.Single(probe.Read());

        Assert.Null(first.GrowthBytesPerHour);
        Assert.Null(early.GrowthBytesPerHour); // 5 minutes of samples: too few to say
        // 1 MiB in 10 minutes: 6 MiB an hour; 3 MiB left: half an hour.
        Assert.InRange(later.GrowthBytesPerHour!.Value, 6 * 1024 * 1024 * 0.99, 6 * 1024 * 1024 * 1.01);
        Assert.InRange(later.HoursToFull!.Value, 0.4, 0.6);
        Assert.Equal(1024 * 1024, later.UsedBytes - first.UsedBytes);
    }

    private static async Task<IAsyncDisposable> TmpfsAsync(string directory, string size)
    {
        var mounted = await ProcessRunner.RunAsync("mount", ["-t", "tmpfs", "-o", "size=" + size, "tmpfs", directory]);
        Assert.True(mounted.ExitCode == 0, $"mount tmpfs on {directory} (root is needed): {mounted.StandardError}");
        return new Unmount(directory);
    }

    private sealed class Unmount(string directory) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await ProcessRunner.RunAsync("umount", ["-l", directory]);
    }
}
