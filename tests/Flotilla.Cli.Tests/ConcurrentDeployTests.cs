using System.Text.RegularExpressions;
using Flotilla.Processes;
using Flotilla.Tests.Support;

namespace Flotilla.Tests;

/// <summary>
/// Two <c>flotilla deploy</c> runs with different configurations of one lab fleet, started at
/// the same moment from one machine: the second is refused naming the first (or, with
/// <c>--lock-wait</c>, waits for it), and the fleet ends on the configuration of the run that
/// reported success last. Before host leases both reported success, each host was confirmed
/// twice, and the fleet ran whichever activated last.
/// </summary>
public sealed partial class ConcurrentDeployTests
{
    private const string TwoHosts = """
        {
          "hosts": {
            "alpha": { "target": "10.1.0.1", "healthChecks": [ { "type": "http", "url": "http://localhost:8080/health" } ] },
            "beta":  { "target": "10.1.0.2", "dependsOn": ["alpha"], "healthChecks": [ { "type": "http", "url": "http://localhost:8080/health" } ] }
          }
        }
        """;

    [LabFact]
    public async Task Two_deploys_started_together_one_is_refused_naming_the_other_and_the_fleet_ends_on_the_configuration_that_succeeded()
    {
        using var dir = new TempDirectory();
        await using var lab = await CliLab.UpAsync(dir.Path, "cd", dir.Write("flotilla.json", TwoHosts));
        var (first, second) = await TwoConfigurationsAsync(lab, dir.Path);
        var state = Path.Combine(dir.Path, "state");

        var runs = await Task.WhenAll(
            Task.Run(() => DeployAsync(lab, first, state)),
            Task.Run(() => DeployAsync(lab, second, state)));

        Assert.True(runs.Select(r => r.ExitCode).Order().SequenceEqual([0, 4]), string.Join("\n---\n", runs.Select(r => $"exit {r.ExitCode}\n{r.Output}\n{r.Error}")));
        var winner = runs.Single(r => r.ExitCode == 0);
        var refused = runs.Single(r => r.ExitCode == 4);
        var runId = Assert.Single(Directory.GetDirectories(Path.Combine(state, "runs")).Select(Path.GetFileName));
        Assert.Contains($"run {runId}:", winner.Output, StringComparison.Ordinal);
        var refusal = Assert.Single(refused.ErrorLines);
        Assert.StartsWith($"deploy: hosts alpha, beta are held by {Environment.UserName}@{Environment.MachineName} (pid {Environment.ProcessId}): deploy since ", refusal, StringComparison.Ordinal);
        Assert.Contains($"run {runId}", refusal, StringComparison.Ordinal);
        Assert.EndsWith("nothing was done", refusal, StringComparison.Ordinal);
        Assert.Equal("", refused.Output);

        var version = VersionOf(winner);
        foreach (var address in (await lab.AddressesAsync()).Values)
        {
            Assert.Equal(version, await SshAsync(address, "cat /run/current-system/version"));
            Assert.Equal(version, await SshAsync(address, "cat /nix/var/lab/default-system/version"));
            Assert.Equal("system-2-link", await CliLab.ProfileAsync(address));
        }

        Assert.False(File.Exists(Path.Combine(state, "fleet.lock")), "the lease outlived its run");
    }

    [LabFact]
    public async Task Of_two_deploys_started_together_with_a_lock_wait_the_second_waits_for_the_first_and_the_fleet_ends_on_the_second()
    {
        using var dir = new TempDirectory();
        await using var lab = await CliLab.UpAsync(dir.Path, "cw", dir.Write("flotilla.json", TwoHosts));
        var (first, second) = await TwoConfigurationsAsync(lab, dir.Path);
        var state = Path.Combine(dir.Path, "state");

        var runs = await Task.WhenAll(
            Task.Run(() => DeployAsync(lab, first, state, "--lock-wait", "5m")),
            Task.Run(() => DeployAsync(lab, second, state, "--lock-wait", "5m")));

        Assert.All(runs, r => Assert.True(r.ExitCode == 0, $"exit {r.ExitCode}\n{r.Output}\n{r.Error}"));
        var waited = Assert.Single(runs, r => r.Error.Contains("waiting up to 300 s (--lock-wait)", StringComparison.Ordinal));
        var went = runs.Single(r => !ReferenceEquals(r, waited));
        Assert.Contains("deploy since", waited.Error, StringComparison.Ordinal);
        Assert.Contains($"run {RunIdOf(went)}", waited.Error, StringComparison.Ordinal);
        // The waiting run started its plan only once the other had ended.
        Assert.True(File.GetLastWriteTimeUtc(Path.Combine(state, "runs", RunIdOf(waited), "run.json")) >= File.GetLastWriteTimeUtc(Path.Combine(state, "runs", RunIdOf(went), "result.json")));

        var version = VersionOf(waited);
        Assert.NotEqual(version, VersionOf(went));
        foreach (var address in (await lab.AddressesAsync()).Values)
        {
            Assert.Equal(version, await SshAsync(address, "cat /run/current-system/version"));
            Assert.Equal(version, await SshAsync(address, "cat /nix/var/lab/default-system/version"));
            Assert.Equal("system-3-link", await CliLab.ProfileAsync(address));
        }
    }

    /// <summary>The lab's inventory with every host on version "first", and a copy of it with every host on "second".</summary>
    private static async Task<(string First, string Second)> TwoConfigurationsAsync(CliLab lab, string directory)
    {
        var copy = Path.Combine(directory, "second-inventory");
        var cp = await ProcessRunner.RunAsync("cp", ["-a", lab.Inventory, copy]);
        Assert.True(cp.ExitCode == 0, cp.StandardError);
        foreach (var file in Directory.GetFiles(Path.Combine(lab.Inventory, "hosts"), "*.json"))
        {
            var host = Path.GetFileNameWithoutExtension(file);
            lab.Configure(host, c => c["version"] = "first");
            var other = Path.Combine(copy, "hosts", host + ".json");
            var json = System.Text.Json.Nodes.JsonNode.Parse(await File.ReadAllTextAsync(other))!;
            json["version"] = "second";
            await File.WriteAllTextAsync(other, json.ToJsonString());
        }

        return (lab.Inventory, copy);
    }

    /// <summary>A deploy's result, and the version its inventory gives every host.</summary>
    private sealed record Deploy(string Version, CliRunner.Run Run)
    {
        public int ExitCode => Run.ExitCode;
        public string Output => Run.Output;
        public string Error => Run.Error;
        public string[] ErrorLines => Run.ErrorLines;
    }

    private static async Task<Deploy> DeployAsync(CliLab lab, string inventory, string state, params string[] more)
    {
        var run = await lab.RunAsync(["deploy", "-f", inventory, "--substituters", "", "--state-dir", state, "--confirm-timeout", "60s", .. more]);
        return new Deploy(inventory == lab.Inventory ? "first" : "second", run);
    }

    private static string VersionOf(Deploy run) => run.Version;

    private static string RunIdOf(Deploy run) => RunLine().Match(run.Output) is { Success: true } match ? match.Groups[1].Value : throw new Xunit.Sdk.XunitException("no run line in:\n" + run.Output);

    [GeneratedRegex(@"^run (\S+): deploying", RegexOptions.Multiline)]
    private static partial Regex RunLine();

    private static async Task<string> SshAsync(string address, string command)
    {
        var result = await ProcessRunner.RunAsync("ssh", ["-o", "BatchMode=yes", "root@" + address, command]);
        Assert.True(result.ExitCode == 0, result.StandardError);
        return result.StandardOutput.Trim();
    }
}
