using System.Net;
using Flotilla.Inventory;
using Flotilla.Lab.Internal;

namespace Flotilla.Lab.Tests;

/// <summary>Real podman (runc) in lab hosts, pulling the inventory's images from the lab's own registry.</summary>
public sealed class LabContainerTests
{
    private const string Media = """
        {
          "version": 1,
          "hosts": {
            "media": { "target": "root@192.168.50.20" },
            "home":  { "target": "root@192.168.50.21" },
            "plain": { "target": "root@192.168.50.22" }
          },
          "services": {
            "sonarr": { "host": "media", "healthChecks": [ { "type": "http", "url": "http://localhost:8989/ping" } ],
                        "container": { "image": "lscr.io/linuxserver/sonarr:latest", "ports": [ "8989:8989" ], "user": "568:568",
                                       "memory": "256m", "tasksMax": 100, "environment": { "TZ": "Etc/UTC" } } },
            "homebridge": { "host": "home", "ports": [ 8581 ],
                            "container": { "image": "ghcr.io/homebridge/homebridge", "extraOptions": [ "--network=host" ] } }
          }
        }
        """;

    [LabFact]
    public async Task Down_removes_the_containers_of_a_host_whose_init_died_without_stopping_them()
    {
        var fleet = await Inventories.LoadAsync(Media);
        var lab = await TestLab.StartAsync(fleet);
        string[] containers;
        try
        {
            await TestLab.EventuallyAsync(async () => await TestLab.GetAsync(lab.Host("media").Address, 8989, "/ping") == HttpStatusCode.OK, "sonarr answering");
            containers = RootedUnder(lab.Host("media").Directory);
            Assert.NotEmpty(containers);

            // A host that dies at once (power lost, its processes killed): podman never stops its
            // containers, whose processes are outside the host's network namespace.
            await LabMachines.KillAllAsync(lab.Host("media"), TimeProvider.System, CancellationToken.None);
            Assert.NotEmpty(RootedUnder(lab.Host("media").Directory));
        }
        finally
        {
            await lab.DisposeAsync();
        }

        Assert.Empty(RootedUnder(lab.Lab.Directory));
        Assert.All(containers, pid => Assert.False(LabMachines.IsRunning(pid), $"process {pid} of a container outlived lab down"));
    }

    /// <summary>Processes whose root directory is at or under <paramref name="directory"/> (a lab host's, a container's).</summary>
    private static string[] RootedUnder(string directory) =>
        [.. Directory.EnumerateDirectories("/proc").Select(Path.GetFileName).Where(p => p!.All(char.IsAsciiDigit)).Where(p => LabMachines.RootOf(int.Parse(p!, System.Globalization.CultureInfo.InvariantCulture)) is { } root && (root == directory || root.StartsWith(directory + "/", StringComparison.Ordinal)) && LabMachines.IsRunning(p!)).Select(p => p!)];

    [LabFact]
    public async Task A_host_s_activation_runs_its_containers_as_nixos_units_do_pulling_the_inventory_s_images_from_the_lab_registry()
    {
        var fleet = await Inventories.LoadAsync(Media);
        await using var lab = await TestLab.StartAsync(fleet);
        var media = lab.Host("media");

        Assert.Equal(["home", "media"], lab.Lab.ContainerHosts.Order(StringComparer.Ordinal));
        // The first boot's activation ran podman-sonarr; registries.conf sent lscr.io to the lab's registry.
        await TestLab.EventuallyAsync(async () => await TestLab.GetAsync(media.Address, 8989, "/ping") == HttpStatusCode.OK, "sonarr answering on media:8989");
        Assert.Equal("active", await lab.SshCheckedAsync("media", "systemctl is-active podman-sonarr"));
        var inspect = await lab.SshCheckedAsync("media", "podman inspect sonarr --format '{{.Config.User}} {{.HostConfig.Memory}} {{.HostConfig.PidsLimit}} {{.State.Status}}'");
        Assert.Equal("568:568 268435456 100 running", inspect);
        Assert.Contains("TZ=Etc/UTC", await lab.SshCheckedAsync("media", "podman inspect sonarr --format '{{.Config.Env}}'"), StringComparison.Ordinal);
        // Its container locks are files in the host's own /run, not podman's /dev/shm/libpod_lock,
        // which every host shares with the machine (each host's refresh at boot freed them all).
        Assert.NotEqual("", await lab.SshCheckedAsync("media", "ls /run/libpod/locks"));
        // The podman that built the stand-in images kept its per-boot state and locks in the lab too.
        Assert.True(File.Exists(Path.Combine(lab.Lab.Directory, "images", "tmp", "alive")), "the image builder's podman has no per-boot state of its own");

        // The lab's container faults, for real.
        await lab.Lab.ContainerFaultAsync("media", "sonarr", LabContainerFault.Unhealthy);
        Assert.Equal(HttpStatusCode.InternalServerError, await TestLab.GetAsync(media.Address, 8989, "/ping"));
        await lab.Lab.ContainerFaultAsync("media", "sonarr", LabContainerFault.Healed);
        Assert.Equal(HttpStatusCode.OK, await TestLab.GetAsync(media.Address, 8989, "/ping"));

        // Host networking on the other host; its storage is its own (media's image is not there).
        var home = lab.Host("home");
        await TestLab.EventuallyAsync(async () => await TestLab.GetAsync(home.Address, 8581, "/") == HttpStatusCode.OK, "homebridge answering on home:8581");
        Assert.DoesNotContain("sonarr", await lab.SshCheckedAsync("home", "podman images --format '{{.Repository}}'"), StringComparison.Ordinal);
        // Killed, its unit runs a new one (Restart=on-failure); one that keeps dying is given up on after 5 restarts.
        var killed = await lab.SshCheckedAsync("home", "podman inspect homebridge --format '{{.Id}}'");
        await lab.Lab.ContainerFaultAsync("home", "homebridge", LabContainerFault.Killed);
        await TestLab.EventuallyAsync(
            async () => (await lab.SshAsync("home", "podman inspect homebridge --format '{{.Id}}'")).StandardOutput.Trim() is { Length: > 0 } id && id != killed
                && await TestLab.GetAsync(home.Address, 8581, "/") == HttpStatusCode.OK,
            "a new homebridge container answering after the killed one");
        Assert.Contains("NRestarts=1", await lab.SshCheckedAsync("home", "systemctl show podman-homebridge"), StringComparison.Ordinal);
        await lab.Lab.ContainerFaultAsync("home", "homebridge", LabContainerFault.Crashing);
        await TestLab.EventuallyAsync(async () => (await lab.SshAsync("home", "systemctl is-active podman-homebridge")).StandardOutput.Trim() == "failed", "podman-homebridge failed after its container kept dying", seconds: 90);
        Assert.Contains("NRestarts=5", await lab.SshCheckedAsync("home", "systemctl show podman-homebridge"), StringComparison.Ordinal);
        var refused = await lab.SshAsync("home", "systemctl restart podman-homebridge");
        Assert.Contains("start-limit-hit", refused.StandardError, StringComparison.Ordinal);
        await lab.Lab.ContainerFaultAsync("home", "homebridge", LabContainerFault.Healed);
        await lab.SshCheckedAsync("home", "systemctl reset-failed podman-homebridge; systemctl restart podman-homebridge");
        await TestLab.EventuallyAsync(async () => await TestLab.GetAsync(home.Address, 8581, "/") == HttpStatusCode.OK, "homebridge answering again after reset-failed and a restart");
    }

    [LabFact]
    public async Task A_new_system_with_a_changed_container_replaces_it_and_the_previous_generation_puts_the_old_one_back()
    {
        var fleet = await Inventories.LoadAsync(Media);
        await using var lab = await TestLab.StartAsync(fleet);
        await TestLab.EventuallyAsync(async () => await TestLab.GetAsync(lab.Host("media").Address, 8989, "/ping") == HttpStatusCode.OK, "sonarr answering");
        var first = await lab.SshCheckedAsync("media", "podman inspect sonarr --format '{{.Id}}'");

        var file = lab.Lab.HostConfigurationPath("media");
        var json = System.Text.Json.Nodes.JsonNode.Parse(await File.ReadAllTextAsync(file))!;
        var podman = json["services"]!.AsArray().Single(s => (string?)s!["kind"] == "container")!["podman"]!.AsArray();
        podman.Insert(podman.Count - 1, "-e");
        podman.Insert(podman.Count - 1, "LAB_MARK=2");
        await File.WriteAllTextAsync(file, json.ToJsonString());
        var (_, switched) = await lab.DeployAsync("media");

        Assert.True(switched.ExitCode == 0, switched.StandardError);
        await TestLab.EventuallyAsync(async () => (await lab.SshAsync("media", "podman inspect sonarr --format '{{.Config.Env}}'")).StandardOutput.Contains("LAB_MARK=2", StringComparison.Ordinal), "the new container");
        Assert.NotEqual(first, await lab.SshCheckedAsync("media", "podman inspect sonarr --format '{{.Id}}'"));

        await lab.SshCheckedAsync("media", "nix-env -p /nix/var/nix/profiles/system --rollback >/dev/null && /nix/var/nix/profiles/system/bin/switch-to-configuration switch");
        await TestLab.EventuallyAsync(async () => (await lab.SshAsync("media", "podman inspect sonarr --format '{{.Config.Env}}'")) is { ExitCode: 0 } r && !r.StandardOutput.Contains("LAB_MARK", StringComparison.Ordinal), "the previous container back");
        await TestLab.EventuallyAsync(async () => await TestLab.GetAsync(lab.Host("media").Address, 8989, "/ping") == HttpStatusCode.OK, "sonarr answering again");
    }

    [LabFact]
    public async Task A_new_image_pushed_to_the_lab_registry_has_a_new_digest_and_the_health_it_was_built_with()
    {
        var fleet = await Inventories.LoadAsync(Media);
        await using var lab = await TestLab.StartAsync(fleet);
        var before = await lab.SshCheckedAsync("media", "podman pull -q lscr.io/linuxserver/sonarr:latest >/dev/null && podman image inspect lscr.io/linuxserver/sonarr:latest --format '{{.Digest}}'");

        var digest = await lab.Lab.PushImageAsync(new LabImage { Name = "lscr.io/linuxserver/sonarr:latest", ServiceName = "sonarr", Ports = [8989], Health = "unhealthy", Version = "2" });
        await lab.SshCheckedAsync("media", "podman pull -q lscr.io/linuxserver/sonarr:latest >/dev/null && podman run -d --name sonarr-next -p 9989:8989 lscr.io/linuxserver/sonarr:latest");
        var after = await lab.SshCheckedAsync("media", "podman image inspect lscr.io/linuxserver/sonarr:latest --format '{{.Digest}}'");

        Assert.StartsWith("sha256:", digest, StringComparison.Ordinal);
        Assert.NotEqual(before, after);
        Assert.Equal(digest, after);
        await TestLab.EventuallyAsync(async () => await TestLab.GetAsync(lab.Host("media").Address, 9989, "/ping") == HttpStatusCode.InternalServerError, "the new image answering 500");
    }

    [LabFact]
    public async Task Down_leaves_no_container_process_and_no_registry()
    {
        var fleet = await Inventories.LoadAsync(Media);
        var lab = await TestLab.StartAsync(fleet);
        string registry;
        var pids = new List<int>();
        try
        {
            await TestLab.EventuallyAsync(async () => await TestLab.GetAsync(lab.Host("media").Address, 8989, "/ping") == HttpStatusCode.OK, "sonarr answering");
            await lab.SshCheckedAsync("media", "podman run -d --name detached lscr.io/linuxserver/sonarr:latest");
            registry = lab.Lab.RegistryAddress;
            Assert.True(await LabMachines.IsListeningAsync(lab.Lab.Gateway, LabContainers.RegistryPort, TimeProvider.System, default));
            // This lab's container processes (other tests' labs may run containers meanwhile).
            foreach (var (host, name) in new[] { ("media", "sonarr"), ("media", "detached"), ("home", "homebridge") })
            {
                pids.Add(int.Parse(await lab.SshCheckedAsync(host, $"podman inspect {name} --format '{{{{.State.Pid}}}}'"), System.Globalization.CultureInfo.InvariantCulture));
            }
        }
        finally
        {
            await lab.DisposeAsync();
        }

        Assert.All(pids, pid => Assert.False(Directory.Exists($"/proc/{pid}") && File.ReadAllText($"/proc/{pid}/cmdline").Contains("serve.sh", StringComparison.Ordinal), $"container process {pid} survived down"));
        Assert.DoesNotContain(ProcessTable.CommandLines(), p => p.Contains("docker-registry", StringComparison.Ordinal) && p.Contains(lab.Lab.Directory, StringComparison.Ordinal));
        Assert.False(Directory.Exists(lab.Lab.Directory));
        Assert.NotEmpty(registry);
    }

    [Theory]
    [InlineData("ghcr.io/homebridge/homebridge", "ghcr.io", "homebridge/homebridge", "latest")]
    [InlineData("lscr.io/linuxserver/sonarr:latest", "lscr.io", "linuxserver/sonarr", "latest")]
    [InlineData("postgres:16", "docker.io", "library/postgres", "16")]
    [InlineData("grafana/grafana:10.2", "docker.io", "grafana/grafana", "10.2")]
    [InlineData("registry.lan:5000/app:1@sha256:abc", "registry.lan:5000", "app", "1")]
    public void Image_names_are_split_as_registries_do(string image, string registry, string repository, string tag) =>
        Assert.Equal(new ImageReference(registry, repository, tag), ImageReference.Parse(image));

    [Theory]
    [InlineData("""[ { "type": "tcp", "port": 5432 } ]""", "tcp")]
    [InlineData("""[ { "type": "http", "url": "http://localhost:8080/" } ]""", "http")]
    // A startup tcp check, then an http liveness check, on one port: the stand-in must answer HTTP
    // (it answered with a bare line and every http check failed).
    [InlineData("""[ { "type": "tcp", "port": 8080, "phase": "startup" }, { "type": "http", "url": "http://localhost:8080/" } ]""", "http")]
    public async Task A_stand_in_image_speaks_tcp_only_when_its_checks_are_all_tcp(string checks, string kind)
    {
        var fleet = await Inventories.LoadAsync($$"""
            {
              "version": 1,
              "hosts": { "media": { "target": "root@192.168.50.20" } },
              "services": { "app": { "host": "media", "healthChecks": {{checks}}, "container": { "image": "registry.lan/app:1" } } }
            }
            """);

        var image = Assert.Single(Lab.StandInImages(fleet));

        Assert.Equal(kind, image.Kind);
    }

    [LabFact]
    public async Task A_lab_with_containers_whose_image_store_path_podman_would_refuse_says_so_before_making_anything()
    {
        var fleet = await Inventories.LoadAsync(Media);
        var root = Path.Combine(Path.GetTempPath(), "flotilla-a-state-directory-with-a-long-name");
        var name = TestLab.NewName();

        var error = await Assert.ThrowsAsync<LabException>(() => Lab.UpAsync(new LabOptions { Name = name, Fleet = fleet, StateRoot = root }));

        Assert.Contains($"{root}/{name}/images/run", error.Message, StringComparison.Ordinal);
        Assert.Contains("podman takes at most 50: use a shorter --name or --state-dir", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(root));
    }
}
