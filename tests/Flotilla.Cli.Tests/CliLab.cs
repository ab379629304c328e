using System.Text.Json;
using System.Text.Json.Nodes;
using Flotilla.Processes;

namespace Flotilla.Tests;

/// <summary>A lab made and removed through the command line, for the CLI's lab tests.</summary>
internal sealed class CliLab(string workingDirectory, string name, string inventory) : IAsyncDisposable
{
    public const string StateRoot = "/var/lib/flotilla/lab-tests";

    public string Name => name;

    /// <summary>The lab's flake directory.</summary>
    public string Inventory => inventory;

    public static async Task<CliLab> UpAsync(string workingDirectory, string prefix, string inventoryFile)
    {
        var name = prefix + "-" + Guid.NewGuid().ToString("N")[..8];
        var up = await CliRunner.RunAsync(workingDirectory, "lab", "up", "--name", name, "--state-dir", StateRoot, "-f", inventoryFile);
        if (up.ExitCode != 0)
        {
            await CliRunner.RunAsync(workingDirectory, "lab", "down", "--name", name, "--state-dir", StateRoot);
            Assert.Fail("lab up failed: " + up.Error);
        }

        return new CliLab(workingDirectory, name, up.Output.Trim().Split('\n')[^1]);
    }

    /// <summary>Changes <c>hosts/HOST.json</c>, the host's lab configuration (docs/lab.md).</summary>
    public void Configure(string host, Action<JsonNode> change)
    {
        var file = Path.Combine(inventory, "hosts", host + ".json");
        var config = JsonNode.Parse(File.ReadAllText(file))!;
        change(config);
        File.WriteAllText(file, config.ToJsonString());
    }

    /// <summary>Gives every host of the lab flake <paramref name="lab"/> a new system version, its services healthy but for <paramref name="unhealthy"/>'s (they answer 500).</summary>
    public static void ConfigureAll(string lab, string version, string? unhealthy = null)
    {
        foreach (var file in Directory.EnumerateFiles(Path.Combine(lab, "hosts"), "*.json"))
        {
            var host = Path.GetFileNameWithoutExtension(file);
            var config = JsonNode.Parse(File.ReadAllText(file))!;
            config["version"] = version;
            foreach (var service in config["services"]!.AsArray())
            {
                service!["health"] = host == unhealthy ? "unhealthy" : "healthy";
            }

            File.WriteAllText(file, config.ToJsonString());
        }
    }

    public Task<CliRunner.Run> RunAsync(params string[] args) => CliRunner.RunAsync(workingDirectory, args);

    public async Task<Dictionary<string, string>> AddressesAsync()
    {
        var hosts = await RunAsync("hosts", "-f", inventory, "--json");
        using var json = JsonDocument.Parse(hosts.Output);
        return json.RootElement.EnumerateArray().ToDictionary(h => h.GetProperty("name").GetString()!, h => h.GetProperty("target").GetProperty("address").GetString()!);
    }

    public static async Task<string> ProfileAsync(string address)
    {
        var result = await ProcessRunner.RunAsync("ssh", ["-o", "BatchMode=yes", "root@" + address, "readlink /nix/var/nix/profiles/system"]);
        Assert.True(result.ExitCode == 0, result.StandardError);
        return result.StandardOutput.Trim();
    }

    public async ValueTask DisposeAsync() =>
        await CliRunner.RunAsync(workingDirectory, "lab", "down", "--name", name, "--state-dir", StateRoot);
}
