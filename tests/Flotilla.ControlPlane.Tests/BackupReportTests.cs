using System.Globalization;
using System.Text;
using Flotilla.Agent.Internal;
using Flotilla.Contracts;
using Flotilla.Tests.Support;

namespace Flotilla.Tests;

/// <summary>
/// Scheduled backups (issue 13): the result files the backup timers write (the shape of
/// nix/modules/flotilla-backup-scripts.nix's <c>report</c>), read by a real agent, shown by a real
/// server in /api/hosts, /metrics and its dashboard.
/// </summary>
public sealed class BackupReportTests(SqliteTargets targets) : IClassFixture<SqliteTargets>
{
    [Fact]
    public async Task A_failed_backup_is_an_alert_with_its_age_and_state_in_the_api_and_metrics_until_a_good_run_replaces_it()
    {
        using var directory = new TempDirectory();
        var results = Directory.CreateDirectory(Path.Combine(directory.Path, "backups")).FullName;
        var now = TimeProvider.System.GetUtcNow();
        var appGood = now.AddHours(-2);
        var dbGood = now.AddDays(-3);
        Write(results, "app", Result("app", appGood, succeeded: true, snapshot: "3992ab6d", verified: true, "snapshot 3992ab6d verified (restic check passed and /srv/app/marker (9 bytes) restored)", lastGood: appGood, lastGoodSnapshot: "3992ab6d", size: 4096));
        Write(results, "db", Result("db", now.AddHours(-1), succeeded: false, snapshot: null, verified: false, "its before hook exited with 3: pg_dump: \"connection refused\"", lastGood: dbGood, lastGoodSnapshot: "0c1d2e3f"));
        File.WriteAllText(Path.Combine(results, "broken.json"), "{ \"service\": \"broken\", \"time\": ");
        using var login = new DashboardLogin();
        await using var plane = await ControlPlaneHarness.StartAsync(await targets.NewAsync(), login.Configure, login.Build);
        plane.StartAgent(await plane.AddHostAsync("media"), intervalSeconds: 1, arguments: ["--backup-results", results]);
        await plane.WaitForStatusAsync("media", "online");
        await Eventually.WaitAsync(async () => (await plane.HostAsync("media"))?.Backups?.Count == 3, () => "the agent never reported its backups; agent:\n" + plane.AgentLogs);

        var backups = (await plane.HostAsync("media"))!.Backups!.ToDictionary(b => b.Service);
        Assert.Equal(["app", "broken", "db"], backups.Keys.Order(StringComparer.Ordinal));
        var app = backups["app"];
        Assert.Equal(("ok", true, true, "3992ab6d", 4096L), (app.State, app.Succeeded, app.Verified, app.Snapshot, app.SizeBytes));
        Assert.Equal(appGood.ToUnixTimeSeconds(), app.LastGood!.Value.ToUnixTimeSeconds());
        Assert.InRange(app.AgeSeconds!.Value, 7199, 7200 + 120);
        var db = backups["db"];
        Assert.Equal(("failed", false, false), (db.State, db.Succeeded, db.Verified));
        Assert.Equal("its before hook exited with 3: pg_dump: \"connection refused\"", db.Message);
        Assert.InRange(db.AgeSeconds!.Value, 3 * 86400 - 1, 3 * 86400 + 120);
        var broken = backups["broken"];
        Assert.Equal("unreadable", broken.State);
        Assert.StartsWith(Path.Combine(results, "broken.json") + ": not valid JSON", broken.Message, StringComparison.Ordinal);
        Assert.Contains("systemctl start flotilla-backup-broken", broken.Message, StringComparison.Ordinal);

        Assert.InRange(await plane.MetricAsync("flotilla_backup_age_seconds{host=\"media\",service=\"app\"}"), 7199, 7200 + 120);
        Assert.Equal(appGood.ToUnixTimeSeconds(), await plane.MetricAsync("flotilla_backup_last_success_timestamp_seconds{host=\"media\",service=\"app\"}"));
        Assert.Equal(dbGood.ToUnixTimeSeconds(), await plane.MetricAsync("flotilla_backup_last_success_timestamp_seconds{host=\"media\",service=\"db\"}"));
        Assert.Equal((1, 0), (await plane.MetricAsync("flotilla_backup_verified{host=\"media\",service=\"app\"}"), await plane.MetricAsync("flotilla_backup_verified{host=\"media\",service=\"db\"}")));
        Assert.Equal((0, 1, 1), (
            await plane.MetricAsync("flotilla_backup_last_failed{host=\"media\",service=\"app\"}"),
            await plane.MetricAsync("flotilla_backup_last_failed{host=\"media\",service=\"db\"}"),
            await plane.MetricAsync("flotilla_backup_last_failed{host=\"media\",service=\"broken\"}")));
        Assert.DoesNotContain("flotilla_backup_age_seconds{host=\"media\",service=\"broken\"}", (await plane.MetricsAsync()).Keys);

        await login.LogInAsync(plane.BaseUrl);
        var fleetPage = await login.Http.GetStringAsync("/");
        Assert.Contains("<li class=\"alert-critical\" data-host=\"media\" data-service=\"db\">", fleetPage, StringComparison.Ordinal);
        Assert.Contains("the last backup failed: its before hook exited with 3: pg_dump: &quot;connection refused&quot;", fleetPage, StringComparison.Ordinal);
        Assert.Contains("data-service=\"broken\"", fleetPage, StringComparison.Ordinal);
        Assert.DoesNotContain("data-service=\"app\"", fleetPage, StringComparison.Ordinal);
        var hostPage = await login.Http.GetStringAsync("/hosts/media");
        Assert.Contains("<tr data-service=\"app\" class=\"backup-ok\">", hostPage, StringComparison.Ordinal);
        Assert.Contains("<tr data-service=\"db\" class=\"backup-failed\">", hostPage, StringComparison.Ordinal);
        Assert.Contains("(3992ab6d)</td>", hostPage, StringComparison.Ordinal);
        Assert.Matches("<td data-field=\"age\"><time datetime=\"[^\"]+\">2(\\.0)? h</time></td>", hostPage);

        // The next run of db's timer succeeds (its file replaced the way the timer replaces it) and broken's is removed.
        var dbNow = TimeProvider.System.GetUtcNow();
        Write(results, "db", Result("db", dbNow, succeeded: true, snapshot: "7a8b9c0d", verified: true, "snapshot 7a8b9c0d verified", lastGood: dbNow, lastGoodSnapshot: "7a8b9c0d"));
        File.Delete(Path.Combine(results, "broken.json"));
        await Eventually.WaitAsync(async () => (await plane.HostAsync("media"))!.Backups is { Count: 2 } b && b.All(x => x.State == "ok"), () => "the good run was never reported");
        Assert.Equal(0, await plane.MetricAsync("flotilla_backup_last_failed{host=\"media\",service=\"db\"}"));
        Assert.InRange(await plane.MetricAsync("flotilla_backup_age_seconds{host=\"media\",service=\"db\"}"), 0, 120);
        Assert.DoesNotContain("data-service=\"db\"", await login.Http.GetStringAsync("/"), StringComparison.Ordinal);
        Assert.Equal("online", (await plane.HostAsync("media"))!.Status); // the broken file never stopped the agent
    }

    [Fact]
    public void A_result_file_of_the_wrong_shape_names_the_attribute_and_the_state_says_what_kind_of_alert_it_is()
    {
        var wrongTime = Assert.Throws<FormatException>(() => BackupResultsProbe.Parse("app", Encoding.UTF8.GetBytes("""{ "service": "app", "time": "yesterday" }""")));
        var wrongFlag = Assert.Throws<FormatException>(() => BackupResultsProbe.Parse("app", Encoding.UTF8.GetBytes("""{ "succeeded": "yes" }""")));
        var list = Assert.Throws<FormatException>(() => BackupResultsProbe.Parse("app", Encoding.UTF8.GetBytes("[]")));
        var unverified = BackupResultsProbe.Parse("app", Encoding.UTF8.GetBytes("""{ "succeeded": false, "snapshot": "1a2b3c4d", "verified": false, "message": "snapshot 1a2b3c4d was not verified, so no retention was applied: restic check failed" }"""));
        var retentionFailed = new BackupReport("app") { Snapshot = "1a2b3c4d", Verified = true, Message = "applying retention failed" };

        Assert.Equal("\"time\" is \"yesterday\", not a time (2026-12-05T02:00:00Z)", wrongTime.Message);
        Assert.Equal("\"succeeded\" is a string, not true or false", wrongFlag.Message);
        Assert.Equal("the file holds a JSON array, not an object", list.Message);
        Assert.Equal("app", unverified.Service); // named by its file when the file does not say
        Assert.Equal(("unverified", "snapshot 1a2b3c4d is not verified: snapshot 1a2b3c4d was not verified, so no retention was applied: restic check failed"), (unverified.State, unverified.Reason));
        Assert.Equal(("failed", "the last backup failed: applying retention failed"), (retentionFailed.State, retentionFailed.Reason));
        Assert.Null(new BackupReport("app") { Succeeded = true }.Reason);
    }

    [Fact]
    public void The_agent_reads_a_file_again_only_when_it_changed_and_forgets_one_that_is_gone()
    {
        using var directory = new TempDirectory();
        var probe = new BackupResultsProbe(directory.Path);
        Assert.Null(probe.Read()); // none yet

        var time = new DateTimeOffset(2026, 12, 5, 2, 0, 0, TimeSpan.Zero);
        Write(directory.Path, "app", Result("app", time, succeeded: true, snapshot: "3992ab6d", verified: true, "ok", lastGood: time, lastGoodSnapshot: "3992ab6d"));
        File.WriteAllText(Path.Combine(directory.Path, ".app.json.Xy12ab"), "{ half a fi"); // the timer's file being written
        var first = Assert.Single(probe.Read()!);
        var again = Assert.Single(probe.Read()!);
        Write(directory.Path, "app", Result("app", time.AddDays(1), succeeded: false, snapshot: null, verified: false, "restic backup failed (exit 1): Fatal: wrong password or no key found", lastGood: time, lastGoodSnapshot: "3992ab6d"));
        var changed = Assert.Single(probe.Read()!);
        File.Delete(Path.Combine(directory.Path, "app.json"));

        Assert.Same(first, again);
        Assert.Equal(("ok", time), (first.State, first.LastGood));
        Assert.Equal(("failed", time, "3992ab6d"), (changed.State, changed.LastGood, changed.LastGoodSnapshot));
        Assert.Null(probe.Read());
    }

    /// <summary>A result file as the timer's script writes it, one attribute a line.</summary>
    private static string Result(string service, DateTimeOffset time, bool succeeded, string? snapshot, bool verified, string message, DateTimeOffset? lastGood, string? lastGoodSnapshot, long? size = null)
    {
        static string Quoted(string? value) => value is null ? "null" : "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
        static string Stamp(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        return $$"""
            {
              "service": {{Quoted(service)}},
              "tool": "restic",
              "time": "{{Stamp(time)}}",
              "succeeded": {{(succeeded ? "true" : "false")}},
              "snapshot": {{Quoted(snapshot)}},
              "verified": {{(verified ? "true" : "false")}},
              "size": {{(size is { } s ? s.ToString(CultureInfo.InvariantCulture) : "null")}},
              "message": {{Quoted(message)}},
              "lastGood": {{(lastGood is { } g ? Quoted(Stamp(g)) : "null")}},
              "lastGoodSnapshot": {{Quoted(lastGoodSnapshot)}}
            }

            """;
    }

    /// <summary>As the timer does: written beside it, then renamed into place.</summary>
    private static void Write(string results, string service, string content)
    {
        var temporary = Path.Combine(results, $".{service}.json.{Guid.NewGuid():N}");
        File.WriteAllText(temporary, content);
        File.Move(temporary, Path.Combine(results, service + ".json"), overwrite: true);
    }
}
