using System.Text.Json;
using Flotilla.Processes;
using Flotilla.Tests.Support;

namespace Flotilla.Tests;

/// <summary>
/// nix/modules/flotilla-backups.nix (imported by the containers module) evaluated with the real nix
/// on the stand-in module system, and the backup script it generates run for real: by sh, with
/// Debian's restic against a repository in a temporary directory, and a <c>systemctl</c> on PATH
/// that only writes down what it was asked.
/// </summary>
public sealed class BackupTimerModuleTests
{
    private static string System(string settings, string select) => $$"""
        let
          lib = import ./nix/lib.nix;
          pkgs = import ./nix/pkgs.nix { };
          system = lib.evalModules {
            modules = [ ./nix/nixos.nix ./nix/oci-containers.nix ./modules/flotilla-containers.nix ({{settings}}) ];
            specialArgs = { inherit pkgs; };
          };
          config = system.config;
        in {{select}}
        """;

    private const string Media = """
        {
          flotilla.containers = {
            db = { image = "docker.io/library/postgres:16"; };
            app = {
              image = "example/app"; dependsOn = [ "db" ];
              backup = { paths = [ "/srv/app" ]; repository = "/srv/backup"; passwordFile = "/run/keys/restic"; schedule = "daily"; stop = true; keep.daily = 7; };
            };
            web = { image = "example/web"; dependsOn = [ "app" ]; };
            proxy = { image = "example/proxy"; dependsOn = [ "web" "app" ]; };
            cache = { image = "example/cache"; backup = { paths = [ "/srv/cache" ]; repository = "/srv/backup"; passwordFile = "/run/keys/restic"; }; };
          };
          flotilla.backups.postgresql = {
            unit = "postgresql.service"; paths = [ "/var/backup/postgresql" ]; tool = "kopia"; repository = "/srv/kopia";
            passwordKey = "kopia-pass"; schedule = "*-*-* 02:00";
          };
          flotilla.backupTimers.randomizedDelaySec = "20min";
        }
        """;

    [Fact]
    public async Task A_scheduled_backup_gets_a_randomized_persistent_timer_and_a_oneshot_service_and_one_without_a_schedule_gets_none()
    {
        using var dir = new TempDirectory();
        NixFixtures.ModulesTo(dir);

        var result = await NixFixtures.EvaluateAsync(dir, System(Media, """
            {
              timers = config.systemd.timers;
              services = builtins.mapAttrs (n: v: removeAttrs v [ "script" ]) (lib.filterAttrs (n: _: lib.hasPrefix "flotilla-backup-" n) config.systemd.services);
              app = config.systemd.services.flotilla-backup-app.script;
              postgresql = config.systemd.services.flotilla-backup-postgresql.script;
              system = config.system.build.toplevel.name;
            }
            """));

        Assert.True(result.ExitCode == 0, result.StandardError);
        using var json = JsonDocument.Parse(result.StandardOutput);
        var root = json.RootElement;
        Assert.Equal(["flotilla-backup-app", "flotilla-backup-postgresql"], root.GetProperty("timers").EnumerateObject().Select(p => p.Name));
        var timer = root.GetProperty("timers").GetProperty("flotilla-backup-app");
        Assert.Equal(("daily", "20min", true), (timer.GetProperty("timerConfig").GetProperty("OnCalendar").GetString(), timer.GetProperty("timerConfig").GetProperty("RandomizedDelaySec").GetString(), timer.GetProperty("timerConfig").GetProperty("Persistent").GetBoolean()));
        Assert.Equal(["timers.target"], timer.GetProperty("wantedBy").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("*-*-* 02:00", root.GetProperty("timers").GetProperty("flotilla-backup-postgresql").GetProperty("timerConfig").GetProperty("OnCalendar").GetString());
        var service = root.GetProperty("services").GetProperty("flotilla-backup-app");
        Assert.Equal("oneshot", service.GetProperty("serviceConfig").GetProperty("Type").GetString());
        Assert.False(service.GetProperty("restartIfChanged").GetBoolean());
        Assert.Contains(service.GetProperty("path").EnumerateArray(), p => p.GetString()!.EndsWith("-restic", StringComparison.Ordinal));
        Assert.Contains(root.GetProperty("services").GetProperty("flotilla-backup-postgresql").GetProperty("path").EnumerateArray(), p => p.GetString()!.EndsWith("-kopia", StringComparison.Ordinal));

        // app's dependents on the host stop before it, the most dependent first (proxy needs web), and start after it.
        var app = root.GetProperty("app").GetString()!;
        Assert.Contains("stop='podman-proxy.service podman-web.service podman-app.service'\n", app, StringComparison.Ordinal);
        Assert.Contains("start='podman-app.service podman-web.service podman-proxy.service'\n", app, StringComparison.Ordinal);
        Assert.Contains("keep='--keep-daily 7'\n", app, StringComparison.Ordinal);
        Assert.Contains("password_file=/run/keys/restic\n", app, StringComparison.Ordinal);
        Assert.Contains("RESTIC_PASSWORD_FILE=\"$password_file\"", app, StringComparison.Ordinal);
        // A key's file where the host's keys go; not stopped: no stop.
        var postgresql = root.GetProperty("postgresql").GetString()!;
        Assert.Contains("password_file=/run/keys/kopia-pass\n", postgresql, StringComparison.Ordinal);
        Assert.Contains("stop=''\n", postgresql, StringComparison.Ordinal);
        Assert.Equal("nixos-system-nixos", root.GetProperty("system").GetString()); // no assertion failed
    }

    [Fact]
    public async Task A_scheduled_backup_without_a_repository_or_password_fails_evaluation_naming_it()
    {
        using var dir = new TempDirectory();
        NixFixtures.ModulesTo(dir);

        var result = await NixFixtures.EvaluateAsync(dir, System("""
            { flotilla.backups.media = { paths = [ "/fun" ]; schedule = "weekly"; }; }
            """, "config.system.build.toplevel.name"));

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("flotilla backup of media: the backup names no repository; set repository", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("flotilla backup of media: the backup names no password; set passwordFile", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_generated_restic_script_stops_backs_up_verifies_tags_applies_retention_and_writes_its_result_file()
    {
        using var dir = new TempDirectory();
        NixFixtures.ModulesTo(dir);
        var data = Directory.CreateDirectory(Path.Combine(dir.Path, "data")).FullName;
        File.WriteAllText(Path.Combine(data, "marker"), "marker 1\n");
        var results = Path.Combine(dir.Path, "results");
        var repository = Path.Combine(dir.Path, "repo");
        var password = dir.Write("restic-password", "correct horse battery staple\n");
        var log = Path.Combine(dir.Path, "systemctl.log");
        var bin = Directory.CreateDirectory(Path.Combine(dir.Path, "bin")).FullName;
        Executable(Path.Combine(bin, "systemctl"), $"#!/bin/sh\necho \"$*\" >> '{log}'\n");
        var script = await ScriptAsync(dir, $$"""
            {
              flotilla.backupTimers.resultsDirectory = "{{results}}";
              flotilla.containers = {
                app = {
                  image = "example/app";
                  backup = {
                    paths = [ "{{data}}" ]; exclude = [ "*.tmp" ]; repository = "{{repository}}"; passwordFile = "{{password}}";
                    schedule = "daily"; stop = true; keep.daily = 1; before = "echo dumped > {{data}}/dump.sql";
                  };
                };
                web = { image = "example/web"; dependsOn = [ "app" ]; };
              };
            }
            """, "app");
        File.WriteAllText(Path.Combine(data, "scratch.tmp"), "left out");

        var first = await RunScriptAsync(script, bin);
        File.WriteAllText(Path.Combine(data, "marker"), "marker 2\n");
        var second = await RunScriptAsync(script, bin);

        Assert.True(first.ExitCode == 0, first.StandardOutput + first.StandardError);
        Assert.True(second.ExitCode == 0, second.StandardOutput + second.StandardError);
        Assert.Equal(["stop podman-web.service", "stop podman-app.service", "start podman-app.service", "start podman-web.service"], File.ReadAllLines(log).Take(4));
        Assert.DoesNotContain("correct horse", first.StandardOutput + first.StandardError + script, StringComparison.Ordinal);
        using var result = JsonDocument.Parse(File.ReadAllText(Path.Combine(results, "app.json")));
        var r = result.RootElement;
        Assert.Equal(("app", "restic", true, true), (r.GetProperty("service").GetString(), r.GetProperty("tool").GetString(), r.GetProperty("succeeded").GetBoolean(), r.GetProperty("verified").GetBoolean()));
        Assert.StartsWith("snapshot " + r.GetProperty("snapshot").GetString() + " verified (restic check passed and ", r.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.EndsWith("retention removed 1 older verified snapshot(s)", r.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(r.GetProperty("time").GetString(), r.GetProperty("lastGood").GetString());
        Assert.True(r.GetProperty("size").GetInt64() > 0);
        Assert.Empty(Directory.EnumerateFiles(results, ".app.json.*")); // the temporary file was renamed

        // The repository: one snapshot left (retention, on verified ones), the one the file names, tagged.
        var listed = await ProcessRunner.RunAsync("restic", ["-r", repository, "snapshots", "--json"], new Dictionary<string, string> { ["RESTIC_PASSWORD_FILE"] = password });
        Assert.True(listed.ExitCode == 0, listed.StandardError);
        using var snapshots = JsonDocument.Parse(listed.StandardOutput);
        var snapshot = Assert.Single(snapshots.RootElement.EnumerateArray());
        Assert.Equal(r.GetProperty("snapshot").GetString(), snapshot.GetProperty("short_id").GetString());
        Assert.Equal(["flotilla", "service=app", "verified"], snapshot.GetProperty("tags").EnumerateArray().Select(t => t.GetString()).Order(StringComparer.Ordinal));
        var files = await ProcessRunner.RunAsync("restic", ["-r", repository, "ls", r.GetProperty("snapshot").GetString()!], new Dictionary<string, string> { ["RESTIC_PASSWORD_FILE"] = password });
        Assert.Contains(data + "/dump.sql", files.StandardOutput, StringComparison.Ordinal); // the before hook ran first
        Assert.DoesNotContain("scratch.tmp", files.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failed_run_says_why_in_its_result_file_keeps_the_last_good_backup_and_still_starts_what_it_stopped()
    {
        using var dir = new TempDirectory();
        NixFixtures.ModulesTo(dir);
        var data = Directory.CreateDirectory(Path.Combine(dir.Path, "data")).FullName;
        File.WriteAllText(Path.Combine(data, "marker"), "marker\n");
        var results = Path.Combine(dir.Path, "results");
        var log = Path.Combine(dir.Path, "systemctl.log");
        var bin = Directory.CreateDirectory(Path.Combine(dir.Path, "bin")).FullName;
        Executable(Path.Combine(bin, "systemctl"), $"#!/bin/sh\necho \"$*\" >> '{log}'\n");
        var flag = Path.Combine(dir.Path, "fail-the-dump");
        var script = await ScriptAsync(dir, $$"""
            {
              flotilla.backupTimers.resultsDirectory = "{{results}}";
              flotilla.backups.postgresql = {
                unit = "postgresql.service"; paths = [ "{{data}}" ]; repository = "{{dir.Path}}/repo"; passwordFile = "{{dir.Write("pw", "pw\n")}}";
                schedule = "daily"; stop = true;
                before = "if [ -e {{flag}} ]; then echo 'pg_dump: \"connection refused\"' >&2; exit 3; fi";
              };
            }
            """, "postgresql");

        var good = await RunScriptAsync(script, bin);
        using var goodResult = JsonDocument.Parse(File.ReadAllText(Path.Combine(results, "postgresql.json")));
        File.WriteAllText(flag, "");
        File.Delete(log);
        var failed = await RunScriptAsync(script, bin);

        Assert.True(good.ExitCode == 0, good.StandardOutput + good.StandardError);
        Assert.Equal(1, failed.ExitCode);
        using var result = JsonDocument.Parse(File.ReadAllText(Path.Combine(results, "postgresql.json")));
        var r = result.RootElement;
        Assert.Equal((false, false), (r.GetProperty("succeeded").GetBoolean(), r.GetProperty("verified").GetBoolean()));
        Assert.Equal(JsonValueKind.Null, r.GetProperty("snapshot").ValueKind);
        Assert.Equal("its before hook exited with 3: pg_dump: \"connection refused\"", r.GetProperty("message").GetString());
        Assert.Equal(goodResult.RootElement.GetProperty("lastGood").GetString(), r.GetProperty("lastGood").GetString());
        Assert.Equal(goodResult.RootElement.GetProperty("snapshot").GetString(), r.GetProperty("lastGoodSnapshot").GetString());
        Assert.Equal(["stop postgresql.service", "start postgresql.service"], File.ReadAllLines(log));
    }

    [Fact]
    public async Task The_generated_kopia_script_connects_snapshots_and_verifies_with_the_password_in_its_environment_only()
    {
        // Kopia cannot be installed here: a stand-in records its invocations and answers as kopia does.
        using var dir = new TempDirectory();
        NixFixtures.ModulesTo(dir);
        var results = Path.Combine(dir.Path, "results");
        var calls = Path.Combine(dir.Path, "kopia.log");
        var bin = Directory.CreateDirectory(Path.Combine(dir.Path, "bin")).FullName;
        Executable(Path.Combine(bin, "kopia"), $$$"""
            #!/bin/sh
            echo "$* | password=$KOPIA_PASSWORD" >> '{{{calls}}}'
            case "$*" in
              *"repository status"*) exit 1 ;;
              *"repository connect"*) echo "ERROR repository not initialized" >&2; exit 1 ;;
              *"snapshot create"*) echo '{"id":"6fe3b01c5a","source":{"path":"/fun/config"}}' ;;
            esac
            exit 0
            """);
        var script = await ScriptAsync(dir, $$"""
            {
              flotilla.backupTimers.resultsDirectory = "{{results}}";
              flotilla.backups.homebridge = {
                paths = [ "/fun/config" "/fun/more config" ]; tool = "kopia"; repository = "/srv/kopia";
                passwordFile = "{{dir.Write("kopia-password", "s3cret\n")}}"; schedule = "daily";
              };
            }
            """, "homebridge");

        var run = await RunScriptAsync(script, bin);

        Assert.True(run.ExitCode == 0, run.StandardOutput + run.StandardError);
        var config = $"--config-file={results}/kopia/homebridge.config";
        Assert.Equal(
            [
                $"{config} repository status | password=s3cret",
                $"{config} repository connect filesystem --path=/srv/kopia | password=s3cret",
                $"{config} repository create filesystem --path=/srv/kopia | password=s3cret",
                $"{config} snapshot create --json --description=flotilla service=homebridge /fun/config /fun/more config | password=s3cret",
                $"{config} snapshot verify --verify-files-percent=10 --sources=/fun/config --sources=/fun/more config | password=s3cret",
            ],
            File.ReadAllLines(calls));
        Assert.DoesNotContain("s3cret", script, StringComparison.Ordinal);
        using var result = JsonDocument.Parse(File.ReadAllText(Path.Combine(results, "homebridge.json")));
        Assert.Equal(("kopia", "6fe3b01c5a", true, true), (result.RootElement.GetProperty("tool").GetString(), result.RootElement.GetProperty("snapshot").GetString(), result.RootElement.GetProperty("verified").GetBoolean(), result.RootElement.GetProperty("succeeded").GetBoolean()));
    }

    private static void Executable(string path, string content)
    {
        File.WriteAllText(path, content);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    private static async Task<string> ScriptAsync(TempDirectory dir, string settings, string name)
    {
        var evaluated = await NixFixtures.EvaluateAsync(dir, System(settings, $"config.systemd.services.flotilla-backup-{name}.script"));
        Assert.True(evaluated.ExitCode == 0, evaluated.StandardError);
        return JsonSerializer.Deserialize<string>(evaluated.StandardOutput)!;
    }

    /// <summary>As NixOS runs a unit's script: by a shell with -e (here Debian's sh, dash: POSIX only).</summary>
    private static Task<ProcessResult> RunScriptAsync(string script, string bin) =>
        ProcessRunner.RunAsync("sh", ["-e", "-c", script], new Dictionary<string, string> { ["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH") });
}
