using System.Net;
using Flotilla.Inventory;
using Flotilla.Lab.Internal;

namespace Flotilla.Lab.Tests;

/// <summary>
/// A lab for one test: <c>await using var lab = await TestLab.StartAsync(hosts: 4);</c>. Disposing
/// it takes the lab down, also when the test failed.
/// </summary>
internal sealed class TestLab : IAsyncDisposable
{
    public const string StateRoot = "/var/lib/flotilla/lab-tests";
    private static readonly HttpClient Http = new(new HttpClientHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(15) };

    private TestLab(Lab lab) => Lab = lab;

    public Lab Lab { get; }

    public static Task<TestLab> StartAsync(int hosts) => StartAsync(new LabOptions { Name = NewName(), HostCount = hosts, StateRoot = StateRoot });

    public static Task<TestLab> StartAsync(Fleet fleet) => StartAsync(new LabOptions { Name = NewName(), Fleet = fleet, StateRoot = StateRoot });

    public static async Task<TestLab> StartAsync(LabOptions options) => new(await Lab.UpAsync(options));

    public static string NewName() => "t-" + Guid.NewGuid().ToString("N")[..8];

    public LabHost Host(string name) => Lab.GetHost(name);

    /// <summary>Runs a command on a lab host over real SSH with the lab's ssh config.</summary>
    public Task<Flotilla.Processes.ProcessResult> SshAsync(string host, string command) =>
        LabProcess.RunAsync("ssh", ["-F", Lab.SshConfigPath, host, command]);

    public async Task<string> SshCheckedAsync(string host, string command)
    {
        var result = await SshAsync(host, command);
        Assert.True(result.ExitCode == 0, $"ssh {host} {command} exited with {result.ExitCode}: {result.StandardError}");
        return result.StandardOutput.Trim();
    }

    /// <summary>Builds a host's system, copies it with <c>nix copy --to ssh://</c> and activates it like a deploy.</summary>
    public async Task<(string System, Flotilla.Processes.ProcessResult Switch)> DeployAsync(string host, string goal = "switch")
    {
        var system = await Lab.BuildAsync(host);
        var address = Host(host).Address;
        await LabProcess.RunCheckedAsync(
            "nix",
            ["--extra-experimental-features", "nix-command", "copy", "--option", "substituters", "", "--to", $"ssh://root@{address}", system],
            Lab.NixSshEnvironment);
        var activation = await SshAsync(host, $"nix-env -p /nix/var/nix/profiles/system --set {system} && /nix/var/nix/profiles/system/bin/switch-to-configuration {goal}");
        return (system, activation);
    }

    public async Task SetServiceHealthAsync(string host, string health, string version)
    {
        var file = Lab.HostConfigurationPath(host);
        var json = System.Text.Json.Nodes.JsonNode.Parse(await File.ReadAllTextAsync(file))!;
        json["version"] = version;
        foreach (var service in json["services"]!.AsArray())
        {
            service!["health"] = health;
        }

        await File.WriteAllTextAsync(file, json.ToJsonString());
    }

    public static async Task<HttpStatusCode?> GetAsync(string address, int port, string path = "/health")
    {
        try
        {
            using var response = await Http.GetAsync(new Uri($"http://{address}:{port}{path}"));
            return response.StatusCode;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    /// <summary>Polls until the condition holds; bounded (fails after <paramref name="seconds"/>).</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, string what, int seconds = 20)
    {
        for (var i = 0; i < seconds * 5; i++)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(200);
        }

        Assert.Fail($"{what} did not happen within {seconds} s");
    }

    public async ValueTask DisposeAsync() => await Lab.DownAsync(CancellationToken.None);
}
