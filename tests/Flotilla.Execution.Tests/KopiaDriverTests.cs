using System.Text.Json;
using System.Text.RegularExpressions;
using Flotilla.Execution.Internal.Backups;
using Flotilla.Inventory;
using Flotilla.Processes;

namespace Flotilla.Execution.Tests;

/// <summary>
/// Kopia cannot be installed here (see DESIGN.md): its driver reads Kopia's JSON as recorded in
/// Fixtures/kopia (shapes from Kopia's source; see the README there), and the stand-in the lab
/// tests run (Fixtures/kopia/kopia) must answer in those same shapes. The whole flow against the
/// stand-in on a lab host is in tests/Flotilla.Cli.Tests/KopiaBackupCommandTests.cs.
/// </summary>
public sealed partial class KopiaDriverTests
{
    private static readonly Service Sonarr = new() { Name = "sonarr", Host = "media" };

    private static string Fixture(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "kopia", name));

    [Fact]
    public void Kopia_s_snapshot_list_gives_each_snapshot_its_id_time_size_and_whether_it_is_pinned_verified()
    {
        var snapshots = KopiaTool.Snapshots(Sonarr, Fixture("snapshot-list.json"));

        Assert.Equal(["9a622e33ab134ef440f76ed755f79c2f", "8a45c3b079cf5e7b99fb855a3701607a", "2d73b31af65d4ac7196641eeea9c475c"], snapshots.Select(s => s.Snapshot.Id));
        Assert.Equal([true, false, true], snapshots.Select(s => s.Snapshot.Verified));
        Assert.Equal([61410021L, 61412930L, 61414615L], snapshots.Select(s => s.Snapshot.Size));
        Assert.Equal(new DateTimeOffset(2026, 11, 30, 4, 12, 51, TimeSpan.Zero).AddTicks(6033280), snapshots[2].Snapshot.Time);
        Assert.All(snapshots, s => Assert.Equal(["/var/lib/nixarr/sonarr"], s.Snapshot.Paths));
        Assert.Equal(["keep-forever", "verified"], snapshots[0].Pins);
        Assert.All(snapshots, s => Assert.Equal(("media", "sonarr"), (s.Snapshot.Host, s.Snapshot.Service)));
    }

    [Fact]
    public void Without_stats_a_snapshot_s_size_is_its_root_directory_s_summary()
    {
        var created = Fixture("snapshot-create.json");

        var snapshot = Assert.Single(KopiaTool.Snapshots(Sonarr, "[" + created + "]"));

        Assert.Equal(61414615L, snapshot.Snapshot.Size);
        Assert.False(snapshot.Snapshot.Verified);
    }

    [Fact]
    public void Kopia_s_snapshot_create_json_names_the_new_snapshot()
    {
        Assert.Equal("2d73b31af65d4ac7196641eeea9c475c", KopiaTool.SnapshotOf(Fixture("snapshot-create.json")));
        Assert.Null(KopiaTool.SnapshotOf("")); // a policy that ignores identical snapshots saves none and prints nothing
    }

    [Fact]
    public void The_repository_is_kopia_s_config_file_or_a_filesystem_repository_with_its_config_beside_it()
    {
        Assert.Equal("/var/lib/kopia/repository.config", KopiaTool.ConfigFile("/var/lib/kopia/repository.config"));
        Assert.Equal("/srv/backup/kopia.kopia.config", KopiaTool.ConfigFile("/srv/backup/kopia/"));
    }

    [Fact]
    public void A_kopia_backup_of_several_paths_or_with_exclusions_says_what_to_do_instead()
    {
        var backup = new BackupSpec { Tool = "kopia", Repository = "/srv/kopia", Paths = ["/var/lib/a", "/var/lib/b"] };

        Assert.Contains("give a kopia backup one path", KopiaTool.Instance.Problem(backup), StringComparison.Ordinal);
        Assert.Contains("kopia policy set PATH --add-ignore PATTERN", KopiaTool.Instance.Problem(backup with { Paths = ["/var/lib/a"], Exclude = ["*.log"] }), StringComparison.Ordinal);
        Assert.Contains("set backup.repository (kopia's config file", KopiaTool.Instance.Problem(backup with { Repository = null }), StringComparison.Ordinal);
        Assert.Null(KopiaTool.Instance.Problem(backup with { Paths = ["/var/lib/a"] }));
    }

    [Fact]
    public void Retention_keeps_the_newest_snapshot_of_each_of_the_last_days_weeks_and_months_as_restic_does()
    {
        // Newest first: two on Saturday Dec 5, one each on Dec 4, Dec 1, Monday Nov 30 (all of ISO week 49), Nov 2 (week 45), Oct 15.
        DateTimeOffset[] times =
        [
            At(12, 5, 18), At(12, 5, 4), At(12, 4, 4), At(12, 1, 4), At(11, 30, 4), At(11, 2, 4), At(10, 15, 4),
        ];

        Assert.Equal([At(12, 5, 4), At(12, 4, 4), At(12, 1, 4), At(11, 30, 4), At(11, 2, 4), At(10, 15, 4)], Expired(times, new BackupSpec { KeepDaily = 1 }));
        Assert.Equal([At(12, 5, 4), At(12, 1, 4), At(11, 30, 4), At(11, 2, 4), At(10, 15, 4)], Expired(times, new BackupSpec { KeepDaily = 2 }));
        // Weekly 2: Dec 5 for week 49, Nov 2 for week 45.
        Assert.Equal([At(12, 5, 4), At(12, 4, 4), At(12, 1, 4), At(11, 30, 4), At(10, 15, 4)], Expired(times, new BackupSpec { KeepWeekly = 2 }));
        // Monthly 3: Dec 5, Nov 30, Oct 15; daily 2 adds Dec 4.
        Assert.Equal([At(12, 5, 4), At(12, 1, 4), At(11, 2, 4)], Expired(times, new BackupSpec { KeepDaily = 2, KeepMonthly = 3 }));
        Assert.Empty(Expired(times, new BackupSpec()));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task The_stand_in_answers_in_kopia_s_recorded_shapes()
    {
        using var directory = new TempDirectory();
        var data = Path.Combine(directory.Path, "data");
        directory.Write("data/marker", "marker-1\n");
        directory.Write("data/logs/sonarr.0.txt", "started\n");
        var password = directory.Write("password", "a kopia password\n");
        directory.Write("state/password-file", password);
        var config = Path.Combine(directory.Path, "repository.config");
        var environment = new Dictionary<string, string> { ["FAKE_KOPIA_STATE"] = Path.Combine(directory.Path, "state"), ["KOPIA_PASSWORD"] = "a kopia password" };
        var kopia = Path.Combine(AppContext.BaseDirectory, "Fixtures", "kopia", "kopia");
        async Task<string> KopiaAsync(params string[] arguments)
        {
            var run = await ProcessRunner.RunAsync("sh", [kopia, .. arguments], environment);
            Assert.True(run.ExitCode == 0, $"kopia {string.Join(' ', arguments)}: {run.StandardError}");
            return run.StandardOutput;
        }

        await KopiaAsync("repository", "create", "filesystem", "--path=" + Path.Combine(directory.Path, "repo"), "--config-file=" + config, "--no-persist-credentials", "--no-check-for-updates");
        var created = await KopiaAsync("--config-file=" + config, "snapshot", "create", "--json", "--tags=flotilla-service:sonarr", data);
        var id = KopiaTool.SnapshotOf(created)!;
        await KopiaAsync("--config-file=" + config, "snapshot", "create", "--json", "--tags=flotilla-service:sonarr", "--start-time=2026-11-28 04:05:28 UTC", data);
        await KopiaAsync("--config-file=" + config, "snapshot", "pin", "--add=verified", "--add=keep-forever", id);
        var listed = await KopiaAsync("--config-file=" + config, "snapshot", "list", "--json", "--tags=flotilla-service:sonarr");
        var files = await KopiaAsync("--config-file=" + config, "ls", "-l", "-r", id);

        Assert.Equal(Properties(Fixture("snapshot-create.json")), Properties(created));
        Assert.Equal(Properties(Fixture("snapshot-list.json")), Properties(listed));
        Assert.StartsWith("[\n {\"id\":", listed, StringComparison.Ordinal);
        Assert.Contains("},\n {\"id\":", listed, StringComparison.Ordinal);
        Assert.EndsWith("}\n]", listed, StringComparison.Ordinal);
        Assert.EndsWith("}\n", created, StringComparison.Ordinal);
        Assert.All(Fixture("ls-long-recursive.txt").Split('\n', StringSplitOptions.RemoveEmptyEntries).Concat(files.Split('\n', StringSplitOptions.RemoveEmptyEntries)),
            line => Assert.Matches(LsLong(), line));
        Assert.Contains(files.Split('\n'), l => l.StartsWith("-rw-r--r--            9 ", StringComparison.Ordinal) && l.EndsWith(" marker", StringComparison.Ordinal));
        Assert.Contains(files.Split('\n'), l => l.StartsWith('d') && l.EndsWith(" logs/", StringComparison.Ordinal));
        var snapshots = KopiaTool.Snapshots(Sonarr, listed);
        Assert.Equal([false, true], snapshots.Select(s => s.Snapshot.Verified));
        Assert.Equal([17L, 17L], snapshots.Select(s => s.Snapshot.Size));
    }

    // kopia ls -l: mode, size (%12s), time with its zone, object id (%-34v), the relative path.
    [GeneratedRegex(@"^[-dlL][-rwxsStT]{9} {1,12}[0-9]+ [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} [A-Z]+ [kIx]?[0-9a-f]{32} +[^ ].*$")]
    private static partial Regex LsLong();

    /// <summary>Every property path in the JSON, array items folded together (a shape, not values).</summary>
    private static SortedSet<string> Properties(string json)
    {
        var paths = new SortedSet<string>(StringComparer.Ordinal);
        void Walk(JsonElement element, string path)
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.Object:
                    foreach (var property in element.EnumerateObject())
                    {
                        // tags are free keys (tag:KEY): their shape is the one tag key Flotilla sets.
                        var name = path.EndsWith(".tags", StringComparison.Ordinal) ? "tag:*" : property.Name;
                        paths.Add(path + "." + name);
                        Walk(property.Value, path + "." + name);
                    }

                    break;
                case JsonValueKind.Array:
                    foreach (var item in element.EnumerateArray())
                    {
                        Walk(item, path + "[]");
                    }

                    break;
                default:
                    paths.Add(path + ":" + element.ValueKind);
                    break;
            }
        }

        using var document = JsonDocument.Parse(json);
        Walk(document.RootElement, "");
        return paths;
    }

    private static DateTimeOffset At(int month, int day, int hour) => new(2026, month, day, hour, 0, 0, TimeSpan.Zero);

    private static List<DateTimeOffset> Expired(IEnumerable<DateTimeOffset> times, BackupSpec keep) => [.. Retention.Expired(times, t => t, keep)];
}
