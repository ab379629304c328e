using System.Text.Json;
using Flotilla.Cli;
using Flotilla.Tests.Support;

namespace Flotilla.Tests;

/// <summary><c>flotilla services</c> on a lab whose hosts run real containers (podman, the lab's registry).</summary>
public sealed class ServicesCommandTests
{
    private const string Inventory = """
        {
          "version": 1,
          "hosts": {
            "media": { "target": "10.1.0.2" },
            "home":  { "target": "10.1.0.3" }
          },
          "services": {
            "prowlarr": { "host": "media", "healthChecks": [ { "type": "http", "url": "http://localhost:9696/ping" } ],
                          "container": { "image": "lscr.io/linuxserver/prowlarr:latest", "ports": [ "9696:9696" ], "user": "568:568" } },
            "sonarr": { "host": "media", "dependsOn": [ "prowlarr" ], "healthChecks": [ { "type": "http", "url": "http://localhost:8989/ping" } ],
                        "container": { "image": "lscr.io/linuxserver/sonarr:latest", "ports": [ "8989:8989" ], "user": "568:568" } },
            "homebridge": { "host": "home", "ports": [ 8581 ], "healthChecks": [ { "type": "http", "url": "http://localhost:8581/" } ],
                            "container": { "image": "ghcr.io/homebridge/homebridge", "extraOptions": [ "--network=host" ] } }
          }
        }
        """;

    [LabFact]
    public async Task Services_shows_each_container_running_and_healthy_then_an_unhealthy_one_a_restarted_one_a_killed_one_and_one_that_keeps_dying()
    {
        using var dir = new TempDirectory();
        await using var lab = await CliLab.UpAsync(dir.Path, "sv", dir.Write("flotilla.json", Inventory));

        // The lab's container units start their containers after the host boots (podman pulls from the
        // lab's registry first), as NixOS's do: a loaded machine takes a while, so the fleet is asked
        // until every container answers, and then each must be running, healthy and pulled by digest.
        await Eventually.WaitAsync(async () => (await ServicesAsync(lab)).ExitCode == 0, () => "every container running and healthy did not happen in time", seconds: 20);
        var all = await ServicesAsync(lab);
        Assert.True(all.ExitCode == 0, all.Output + all.Error);
        Assert.Equal(["home/homebridge", "media/prowlarr", "media/sonarr"], all.Services.Keys.Order(StringComparer.Ordinal));
        foreach (var service in all.Services.Values)
        {
            Assert.Equal(("container", "running", (bool?)true), (service.Kind, service.State, service.Healthy));
            Assert.StartsWith("sha256:", service.Digest, StringComparison.Ordinal);
        }

        Assert.Equal("lscr.io/linuxserver/sonarr:latest", all.Services["media/sonarr"].Image);

        // sonarr answers 500: unhealthy, and the command says so.
        var fault = await lab.RunAsync("lab", "fault", "--name", lab.Name, "--state-dir", CliLab.StateRoot, "--container", "sonarr", "media", "unhealthy");
        Assert.True(fault.ExitCode == 0, fault.Error);
        var unhealthy = await ServicesAsync(lab, "--on", "media");
        Assert.Equal(1, unhealthy.ExitCode);
        Assert.Equal((false, "running"), (unhealthy.Services["media/sonarr"].Healthy, unhealthy.Services["media/sonarr"].State));
        Assert.Contains("500", unhealthy.Services["media/sonarr"].Message, StringComparison.Ordinal);
        Assert.True(unhealthy.Services["media/prowlarr"].Healthy);

        // A restart makes a new container (the unit runs it with --rm --replace): healthy again.
        var restart = await lab.RunAsync("services", "restart", "-f", lab.Inventory, "media/sonarr");
        Assert.True(restart.ExitCode == 0, restart.Output + restart.Error);
        await Eventually.WaitAsync(async () => (await ServicesAsync(lab, "--on", "media")).Services["media/sonarr"].Healthy == true, () => "sonarr healthy after its restart did not happen in time", seconds: 20);

        var logs = await lab.RunAsync("services", "logs", "-f", lab.Inventory, "media/sonarr");
        Assert.True(logs.ExitCode == 0, logs.Error);
        Assert.Contains("sonarr version 1 starting", logs.Output, StringComparison.Ordinal);

        // A killed container: its unit (Restart=on-failure, as NixOS's) runs a new one, and the restart is counted.
        var kill = await lab.RunAsync("lab", "fault", "--name", lab.Name, "--state-dir", CliLab.StateRoot, "--container", "homebridge", "home", "killed");
        Assert.True(kill.ExitCode == 0, kill.Error);
        await Eventually.WaitAsync(async () => (await ServicesAsync(lab, "--on", "home")).Services["home/homebridge"] is { State: "running", Healthy: true, Restarts: 1 }, () => "homebridge running again after 1 restart did not happen in time", seconds: 20);

        // One that exits at every start: restarted 5 times, then its unit gives up, and it is reported failing, not restarted forever.
        var crash = await lab.RunAsync("lab", "fault", "--name", lab.Name, "--state-dir", CliLab.StateRoot, "--container", "homebridge", "home", "crashing");
        Assert.True(crash.ExitCode == 0, crash.Error);
        await Eventually.WaitAsync(async () => (await ServicesAsync(lab, "--on", "home")).Services["home/homebridge"] is { State: "failed", Restarts: 5 }, () => "homebridge reported failing after 5 restarts did not happen in time", seconds: 90);
        var dying = (await ServicesAsync(lab, "--on", "home")).Services["home/homebridge"];
        Assert.Contains("keeps dying", dying.Message, StringComparison.Ordinal);
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal(("failed", (int?)5), ((await ServicesAsync(lab, "--on", "home")).Services["home/homebridge"].State, (await ServicesAsync(lab, "--on", "home")).Services["home/homebridge"].Restarts));
        var table = await lab.RunAsync("services", "-f", lab.Inventory, "--on", "home");
        Assert.Equal(1, table.ExitCode);
        Assert.Contains("keeps dying", Assert.Single(table.Output.Split('\n'), l => l.StartsWith("home ", StringComparison.Ordinal)), StringComparison.Ordinal);

        // Healed, a restart starts it again with its count back at 0.
        var heal = await lab.RunAsync("lab", "fault", "--name", lab.Name, "--state-dir", CliLab.StateRoot, "--container", "homebridge", "home", "heal");
        Assert.True(heal.ExitCode == 0, heal.Error);
        var again = await lab.RunAsync("services", "restart", "-f", lab.Inventory, "home/homebridge");
        Assert.True(again.ExitCode == 0, again.Output + again.Error);
        await Eventually.WaitAsync(async () => (await ServicesAsync(lab, "--on", "home")).Services["home/homebridge"] is { State: "running", Healthy: true, Restarts: 0 }, () => "homebridge running again after the heal did not happen in time", seconds: 20);
    }

    [LabFact]
    public async Task Services_update_moves_a_container_to_the_registry_s_new_image_and_rolls_back_one_that_fails_its_checks()
    {
        using var dir = new TempDirectory();
        var inventory = Inventory.Replace("\"user\": \"568:568\" } },", "\"user\": \"568:568\", \"labels\": { \"io.containers.autoupdate\": \"registry\" } } },", StringComparison.Ordinal);
        await using var lab = await CliLab.UpAsync(dir.Path, "su", dir.Write("flotilla.json", inventory));
        var images = await Flotilla.Lab.Lab.OpenAsync(lab.Name, CliLab.StateRoot);
        await Eventually.WaitAsync(async () => (await ServicesAsync(lab, "--on", "media")).Services["media/sonarr"].Healthy == true, () => "sonarr healthy did not happen in time", seconds: 20);

        var unchanged = await lab.RunAsync("services", "update", "-f", lab.Inventory);
        Assert.True(unchanged.ExitCode == 0, unchanged.Output + unchanged.Error);
        Assert.Contains("uptodate", unchanged.Output, StringComparison.Ordinal);

        var second = await images.PushImageAsync(new Flotilla.Lab.LabImage { Name = "lscr.io/linuxserver/sonarr:latest", ServiceName = "sonarr", Ports = [8989], Version = "2" });
        var updated = await lab.RunAsync("services", "update", "-f", lab.Inventory);
        Assert.True(updated.ExitCode == 0, updated.Output + updated.Error);
        Assert.Contains("updated to", updated.Output, StringComparison.Ordinal);
        var now = (await ServicesAsync(lab, "--on", "media")).Services["media/sonarr"];
        Assert.Equal((second, true), (now.Digest, now.Healthy));

        await images.PushImageAsync(new Flotilla.Lab.LabImage { Name = "lscr.io/linuxserver/sonarr:latest", ServiceName = "sonarr", Ports = [8989], Version = "3", Health = "unhealthy" });
        var failed = await lab.RunAsync("services", "update", "-f", lab.Inventory);
        Assert.Equal(1, failed.ExitCode);
        Assert.Contains("rolledback", failed.Output, StringComparison.Ordinal);
        var back = (await ServicesAsync(lab, "--on", "media")).Services["media/sonarr"];
        Assert.Equal((second, true, "running"), (back.Digest, back.Healthy, back.State));
        Assert.Contains("version 2", await TestHttp.GetBodyAsync((await lab.AddressesAsync())["media"], 8989), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_target_that_is_not_host_slash_service_says_how_to_write_it()
    {
        using var dir = new TempDirectory();
        var inventory = dir.Write("flotilla.json", Inventory);

        var run = await CliRunner.RunAsync(dir.Path, "services", "logs", "-f", inventory, "sonarr");

        Assert.Equal(ExitCodes.InvalidInput, run.ExitCode);
        Assert.Contains("write HOST/SERVICE", run.Error, StringComparison.Ordinal);
    }

    private sealed record View(string Kind, string? Image, string? Digest, string State, bool? Healthy, int? Restarts, string? Message);

    private sealed record Listing(int ExitCode, string Output, string Error, Dictionary<string, View> Services);

    private static async Task<Listing> ServicesAsync(CliLab lab, params string[] selection)
    {
        var run = await lab.RunAsync(["services", "-f", lab.Inventory, "--json", .. selection]);
        using var json = JsonDocument.Parse(run.Output);
        var services = json.RootElement.EnumerateArray().ToDictionary(
            s => s.GetProperty("host").GetString() + "/" + s.GetProperty("name").GetString(),
            s => new View(
                s.GetProperty("kind").GetString()!,
                s.GetProperty("image").GetString(),
                s.GetProperty("digest").GetString(),
                s.GetProperty("state").GetString()!,
                s.GetProperty("healthy").ValueKind == JsonValueKind.Null ? null : s.GetProperty("healthy").GetBoolean(),
                s.GetProperty("restarts").ValueKind == JsonValueKind.Null ? null : s.GetProperty("restarts").GetInt32(),
                s.GetProperty("message").GetString()));
        return new Listing(run.ExitCode, run.Output, run.Error, services);
    }

    private static class TestHttp
    {
        private static readonly HttpClient Client = new(new HttpClientHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) };

        public static Task<string> GetBodyAsync(string address, int port) => Client.GetStringAsync(new Uri($"http://{address}:{port}/"));
    }
}
