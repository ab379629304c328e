using Flotilla.Processes;
using Flotilla.Tests.Support;

namespace Flotilla.Tests;

/// <summary>Agents report their host's containers with every heartbeat: real podman (runc), a real agent.</summary>
public sealed class ContainerReportTests(SqliteTargets targets) : IClassFixture<SqliteTargets>
{
    [LabFact]
    public async Task A_killed_container_is_reported_by_the_next_heartbeat()
    {
        using var podman = await PodmanStorage.CreateAsync();
        var name = "flotilla-probe-" + Guid.NewGuid().ToString("N")[..8];
        await podman.RunCheckedAsync("run", "-d", "--name", name, PodmanStorage.Image, "sleep", "3600");
        await using var plane = await ControlPlaneHarness.StartAsync(await targets.NewAsync());
        plane.StartAgent(await plane.AddHostAsync("box"), intervalSeconds: 1, environment: podman.Environment);
        await plane.WaitForStatusAsync("box", "online");

        await Eventually.WaitAsync(async () => (await plane.HostAsync("box"))?.Containers?.Any(c => c.Name == name && c.State == "running") == true, () => $"{name} never reported running");
        var last = (await plane.HostAsync("box"))!.LastSeen;
        await podman.RunCheckedAsync("kill", name);

        // Two heartbeats after the kill (the first may have been probed just before it): the report is there.
        var beats = 0;
        await Eventually.WaitAsync(
            async () =>
            {
                var seen = (await plane.HostAsync("box"))!.LastSeen;
                if (seen > last)
                {
                    beats++;
                    last = seen;
                }

                return beats >= 2;
            },
            () => "the agent's heartbeats stopped");
        Assert.Equal("exited", (await plane.HostAsync("box"))!.Containers!.Single(c => c.Name == name).State);
        var reported = (await plane.HostAsync("box"))!.Containers!.Single(c => c.Name == name);
        Assert.Equal(PodmanStorage.Image, reported.Image);
        Assert.StartsWith("Exited", reported.Status, StringComparison.Ordinal);
    }

    [LabFact]
    public async Task The_tests_own_podman_leaves_the_machines_podman_state_alone()
    {
        // The machine's podman has its per-boot state (made by its first command since boot).
        var info = await ProcessRunner.RunAsync("podman", ["ps", "--all", "--quiet"]);
        Assert.True(info.ExitCode == 0, info.StandardError);
        var alive = new FileInfo("/run/libpod/alive");
        Assert.True(alive.Exists, "the machine's podman made no /run/libpod/alive");
        var made = alive.LastWriteTimeUtc;

        using (var podman = await PodmanStorage.CreateAsync())
        {
            await podman.RunCheckedAsync("run", "-d", "--name", "flotilla-own-" + Guid.NewGuid().ToString("N")[..8], PodmanStorage.Image, "sleep", "3600");
        }

        // Gone, the machine's podman would take its running containers for created ones (it did,
        // while another test's server container ran).
        alive.Refresh();
        Assert.True(alive.Exists, "/run/libpod/alive is gone: the test's podman removed the machine's per-boot state");
        Assert.Equal(made, alive.LastWriteTimeUtc);
    }

    /// <summary>A podman of its own (temporary storage, runc, cgroupfs), so the machine's is untouched; removed with everything in it.</summary>
    private sealed class PodmanStorage : IDisposable
    {
        public const string Image = "localhost/flotilla-test/sleeper:1";
        private readonly TempDirectory _directory = new();

        public IReadOnlyDictionary<string, string> Environment { get; private set; } = new Dictionary<string, string>();

        public static async Task<PodmanStorage> CreateAsync()
        {
            var storage = new PodmanStorage();
            var root = storage._directory.Path;
            storage.Environment = new Dictionary<string, string>
            {
                ["CONTAINERS_STORAGE_CONF"] = storage._directory.Write("storage.conf", $"[storage]\ndriver = \"vfs\"\ngraphroot = \"{root}/graph\"\nrunroot = \"{root}/run\"\n"),
                // Its own per-boot directory, file locks and network directory too: the machine's
                // podman keeps its state in /run/libpod, its locks in /dev/shm and its networks in
                // /etc/containers/networks, and a podman sharing them changes the machine's
                // containers (a `podman system reset` here once removed /run/libpod, and the
                // machine's podman then took its running containers for created ones).
                ["CONTAINERS_CONF"] = storage._directory.Write("containers.conf", $"[containers]\ndefault_ulimits = [\"nofile=1024:1024\", \"nproc=1024:1024\"]\n\n[engine]\ncgroup_manager = \"cgroupfs\"\nevents_logger = \"file\"\nruntime = \"runc\"\ntmp_dir = \"{root}/tmp\"\nlock_type = \"file\"\n\n[engine.runtimes]\nrunc = [\"/usr/sbin/runc\"]\n\n[network]\nnetwork_config_dir = \"{root}/networks\"\n"),
            };
            var rootfs = Directory.CreateDirectory(Path.Combine(root, "rootfs", "bin")).Parent!.FullName;
            File.Copy("/bin/busybox", Path.Combine(rootfs, "bin", "busybox"));
            foreach (var applet in new[] { "sh", "sleep" })
            {
                File.CreateSymbolicLink(Path.Combine(rootfs, "bin", applet), "busybox");
            }

            var tar = await ProcessRunner.RunAsync("tar", ["-C", rootfs, "-cf", Path.Combine(root, "rootfs.tar"), "."]);
            Assert.True(tar.ExitCode == 0, tar.StandardError);
            await storage.RunCheckedAsync("import", Path.Combine(root, "rootfs.tar"), Image);
            return storage;
        }

        public async Task RunCheckedAsync(params string[] arguments)
        {
            var result = await ProcessRunner.RunAsync("podman", arguments, Environment);
            Assert.True(result.ExitCode == 0, $"podman {string.Join(' ', arguments)}: {result.StandardError}");
        }

        public void Dispose()
        {
            // Its containers go; its storage goes with the directory (vfs: plain directories).
            // Never `podman system reset`: it removes the engine's tmp_dir whatever the storage.
            ProcessRunner.RunAsync("podman", ["rm", "--all", "--force", "--time", "0"], Environment).GetAwaiter().GetResult();
            // A container's conmon, and the `podman container cleanup` it runs when the container
            // ends, may still write into the storage after rm returns: wait (at most 30 s) until
            // no process names the directory.
            var waited = System.Diagnostics.Stopwatch.StartNew();
            while (waited.Elapsed < TimeSpan.FromSeconds(30) && ProcessTable.CommandLines().Any(p => p.Contains(_directory.Path, StringComparison.Ordinal)))
            {
                Thread.Sleep(100);
            }

            _directory.Dispose();
        }
    }
}
