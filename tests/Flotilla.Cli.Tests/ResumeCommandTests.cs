using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Flotilla.Processes;
using Flotilla.Tests.Support;

namespace Flotilla.Tests;

/// <summary>
/// SIGKILL of the orchestrator in the middle of a deploy, then <c>deploy --resume</c>: the fleet
/// converges and the journal has every event the killed process had printed.
/// </summary>
public sealed class ResumeCommandTests
{
    private const string StateRoot = "/var/lib/flotilla/lab-tests";

    private const string Inventory = """
        {
          "hosts": {
            "a": { "target": "10.2.0.1", "healthChecks": [ { "type": "http", "url": "http://localhost:8080/" } ] },
            "b": { "target": "10.2.0.2", "dependsOn": ["a"], "healthChecks": [ { "type": "http", "url": "http://localhost:8080/" } ] },
            "c": { "target": "10.2.0.3", "dependsOn": ["b"], "healthChecks": [ { "type": "http", "url": "http://localhost:8080/" } ] }
          }
        }
        """;

    [LabFact]
    public async Task A_deploy_killed_mid_run_resumes_to_a_converged_fleet_and_its_journal_lost_nothing()
    {
        using var dir = new TempDirectory();
        var inventoryFile = dir.Write("flotilla.json", Inventory);
        var name = "r-" + Guid.NewGuid().ToString("N")[..8];
        var stateDir = Path.Combine(dir.Path, "state");
        try
        {
            var up = await CliRunner.RunAsync(dir.Path, "lab", "up", "--name", name, "--state-dir", StateRoot, "-f", inventoryFile);
            Assert.True(up.ExitCode == 0, up.Error);
            var lab = up.Output.Trim().Split('\n')[^1];
            SetVersion(lab, "2");

            // The orchestrator is killed once b is activated but not yet confirmed: b's watchdog waits,
            // and still waits when the resumed run activates b again.
            var killedAt = Stopwatch.StartNew();
            var printed = await RunUntilKilledAsync(dir.Path, ["deploy", "-f", lab, "--json", "--substituters", "", "--state-dir", stateDir, "--confirm-timeout", "25s"],
                line => line.Contains("\"step\":\"activate:b\"", StringComparison.Ordinal) && line.Contains("\"state\":\"succeeded\"", StringComparison.Ordinal));

            var runDirectory = Assert.Single(Directory.GetDirectories(Path.Combine(stateDir, "runs")));
            var journaled = (await File.ReadAllLinesAsync(Path.Combine(runDirectory, "events.jsonl"))).Select(Key).ToHashSet();
            Assert.All(printed.Select(Key), e => Assert.Contains(e, journaled));

            var resumed = await CliRunner.RunAsync(dir.Path, "deploy", "--resume", Path.GetFileName(runDirectory), "--json", "--substituters", "", "--state-dir", stateDir, "--confirm-timeout", "30s");
            Assert.True(resumed.ExitCode == 0, resumed.Output + resumed.Error);
            Assert.DoesNotContain("\"step\":\"activate:a\"", resumed.Output, StringComparison.Ordinal);
            Assert.Contains("\"step\":\"activate:b\"", resumed.Output, StringComparison.Ordinal);

            // Past the killed run's confirm timeout: its watchdog must not undo the resumed activation.
            var waited = TimeSpan.FromSeconds(30) - killedAt.Elapsed;
            if (waited > TimeSpan.Zero)
            {
                await Task.Delay(waited);
            }

            var hosts = await CliRunner.RunAsync(dir.Path, "hosts", "-f", lab, "--json");
            using var json = JsonDocument.Parse(hosts.Output);
            foreach (var host in json.RootElement.EnumerateArray())
            {
                var address = host.GetProperty("target").GetProperty("address").GetString()!;
                var version = await ProcessRunner.RunAsync("ssh", ["-o", "BatchMode=yes", "root@" + address, "cat /run/current-system/version; readlink -f /run/current-system; readlink -f /nix/var/nix/profiles/system"]);
                var lines = version.StandardOutput.Trim().Split('\n');
                Assert.True(lines.Length == 3, version.StandardError);
                Assert.Equal("2", lines[0]);
                // What runs is what boots: no pending watchdog undid the resumed activation.
                Assert.Equal(lines[1], lines[2]);
            }
        }
        finally
        {
            await CliRunner.RunAsync(dir.Path, "lab", "down", "--name", name, "--state-dir", StateRoot);
        }
    }

    private static string Key(string line)
    {
        var node = JsonNode.Parse(line)!;
        return $"{node["step"]} {node["state"]}";
    }

    /// <summary>Runs the real CLI as its own process and SIGKILLs it at the first line that matches.</summary>
    private static async Task<List<string>> RunUntilKilledAsync(string workingDirectory, string[] args, Func<string, bool> killAt)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "flotilla.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        _ = process.StandardError.ReadToEndAsync();
        var lines = new List<string>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                lines.Add(line);
                if (killAt(line))
                {
                    process.Kill(entireProcessTree: false);
                    await process.WaitForExitAsync(timeout.Token);
                    return lines;
                }
            }
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        Assert.Fail("the deploy ended before the point where it was to be killed:\n" + string.Join('\n', lines));
        return lines;
    }

    private static void SetVersion(string lab, string version)
    {
        foreach (var file in Directory.EnumerateFiles(Path.Combine(lab, "hosts"), "*.json"))
        {
            var config = JsonNode.Parse(File.ReadAllText(file))!;
            config["version"] = version;
            File.WriteAllText(file, config.ToJsonString());
        }
    }
}
