using System.Diagnostics;
using System.Globalization;
using System.Text;
using Flotilla.Inventory;
using Flotilla.Processes;

namespace Flotilla.Lab.Internal;

/// <summary>
/// Real containers in the lab: podman (with runc) in each host that runs containers, with the
/// host's own storage and configuration; a registry (Debian's docker-registry) on the lab's
/// bridge that every inventory registry is sent to; stand-in images (busybox and
/// lab/container-serve.sh) pushed there under the inventory's names.
/// </summary>
internal static class LabContainers
{
    public const int RegistryPort = 5000;

    /// <summary>Registries sent to the lab's whatever the inventory names.</summary>
    private static readonly string[] KnownRegistries = ["docker.io", "ghcr.io", "lscr.io", "quay.io", "registry.k8s.io"];

    public static string HostDirectory(LabHost host) => Path.Combine(host.Directory, "containers");

    public static string RegistryDirectory(string labDirectory) => Path.Combine(labDirectory, "registry");

    public static string ImagesDirectory(string labDirectory) => Path.Combine(labDirectory, "images");

    /// <summary>The longest run root podman accepts ("the specified runroot is longer than 50 characters").</summary>
    public const int MaxRunRoot = 50;

    /// <summary>The run root of the podman that builds the lab's stand-in images.</summary>
    public static string RunRoot(string labDirectory) => Path.Combine(ImagesDirectory(labDirectory), "run");

    public static string RegistryAddress(LabState state) => $"{state.Gateway}:{RegistryPort.ToString(CultureInfo.InvariantCulture)}";

    public static bool Runs(LabHost host) => Directory.Exists(HostDirectory(host));

    /// <summary>The images every container service of the fleet names.</summary>
    public static IEnumerable<Service> ContainerServices(Fleet? fleet) => fleet?.Services.Where(s => s.Container is { Image.Length: > 0 }) ?? [];

    /// <summary>Writes the host's podman configuration (boot.sh mounts it on /etc/containers).</summary>
    public static async Task WriteHostConfigurationAsync(LabState state, LabHost host, IEnumerable<string> registries, CancellationToken cancellationToken)
    {
        var etc = Path.Combine(HostDirectory(host), "etc");
        Directory.CreateDirectory(etc);
        Directory.CreateDirectory(Path.Combine(HostDirectory(host), "storage"));
        var registriesConf = new StringBuilder("# Lab host ").Append(host.Name).Append(": every registry is the lab's own (no internet here).\n")
            .Append("unqualified-search-registries = [\"docker.io\"]\n");
        foreach (var registry in KnownRegistries.Concat(registries).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            registriesConf.Append(CultureInfo.InvariantCulture, $"""

                [[registry]]
                prefix = "{registry}"
                location = "{RegistryAddress(state)}/{registry}"
                insecure = true

                """);
        }

        await File.WriteAllTextAsync(Path.Combine(etc, "registries.conf"), registriesConf.ToString(), cancellationToken).ConfigureAwait(false);
        // runc (crun fails on this kernel's hybrid cgroups), cgroupfs (no systemd in a lab host),
        // explicit ulimits (podman's defaults exceed what a namespace may raise here), and file
        // locks, kept in the host's own /run: podman's default locks live in /dev/shm, which every
        // lab host shares with the machine, and each host's first podman command after its boot
        // frees them all (a refresh), so other hosts' and the machine's containers shared locks.
        await File.WriteAllTextAsync(Path.Combine(etc, "containers.conf"), """
            [containers]
            default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
            log_driver = "k8s-file"

            [engine]
            cgroup_manager = "cgroupfs"
            events_logger = "file"
            lock_type = "file"
            runtime = "runc"

            [engine.runtimes]
            runc = ["/usr/sbin/runc"]

            """, cancellationToken).ConfigureAwait(false);
        // vfs: no overlay mounts to leak, and it works on any filesystem the lab's state is on.
        await File.WriteAllTextAsync(Path.Combine(etc, "storage.conf"), """
            [storage]
            driver = "vfs"
            runroot = "/run/containers/storage"
            graphroot = "/var/lib/containers/storage"

            """, cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(etc, "policy.json"), """{ "default": [{ "type": "insecureAcceptAnything" }] }""" + "\n", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Starts the lab's registry on the bridge (the hosts' gateway) and waits until it answers.</summary>
    public static async Task StartRegistryAsync(LabState state, TimeProvider time, CancellationToken cancellationToken)
    {
        var directory = RegistryDirectory(state.Directory);
        Directory.CreateDirectory(Path.Combine(directory, "data"));
        var config = Path.Combine(directory, "config.yml");
        await File.WriteAllTextAsync(config, $"""
            # The registry of lab {state.Name}: lab hosts' registries.conf send every registry here.
            version: 0.1
            log:
              level: warn
            storage:
              filesystem:
                rootdirectory: {Path.Combine(directory, "data")}
              delete:
                enabled: true
            http:
              addr: {RegistryAddress(state)}

            """, cancellationToken).ConfigureAwait(false);
        int pid;
        try
        {
            pid = DetachedProcess.Start(["docker-registry", "serve", config], Path.Combine(directory, "registry.log"));
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new LabException("cannot start docker-registry; install Debian's docker-registry: " + e.Message, e);
        }

        await File.WriteAllTextAsync(Path.Combine(directory, "pid"), pid.ToString(CultureInfo.InvariantCulture) + "\n", cancellationToken).ConfigureAwait(false);

        for (var attempt = 0; attempt < 100; attempt++)
        {
            if (await LabMachines.IsListeningAsync(state.Gateway, RegistryPort, time, cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), time, cancellationToken).ConfigureAwait(false);
        }

        var log = Path.Combine(directory, "registry.log");
        throw new LabException($"the lab's registry (docker-registry) did not answer on {RegistryAddress(state)} within 10 s; see {log}: {(File.Exists(log) ? File.ReadAllText(log).Trim() : "no log")}");
    }

    /// <summary>Stops the lab's registry, if it runs.</summary>
    public static void StopRegistry(string labDirectory)
    {
        var pidFile = Path.Combine(RegistryDirectory(labDirectory), "pid");
        if (!File.Exists(pidFile) || !int.TryParse(File.ReadAllText(pidFile).Trim(), CultureInfo.InvariantCulture, out var pid))
        {
            return;
        }

        try
        {
            var commandLine = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/cmdline");
            if (commandLine.Contains("docker-registry", StringComparison.Ordinal))
            {
                using var process = Process.GetProcessById(pid);
                process.Kill();
                process.WaitForExit(5000);
            }
        }
        catch (Exception exception) when (exception is IOException or ArgumentException or InvalidOperationException or UnauthorizedAccessException)
        {
            // It ended already.
        }
    }

    /// <summary>Removes every container of a running host (before its processes are killed: a container's processes are not in the host's network namespace).</summary>
    public static async Task RemoveAllAsync(LabHost host, CancellationToken cancellationToken)
    {
        if (!Runs(host) || LabMachines.InitPid(host) is not { } pid)
        {
            return;
        }

        await LabProcess.RunAsync(
            "nsenter",
            ["-t", pid.ToString(CultureInfo.InvariantCulture), "-m", "-u", "-n", "podman", "rm", "--all", "--force", "--time", "0"],
            null,
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops every container of a running host at once (a reboot); they stay, stopped.</summary>
    public static async Task StopAllAsync(LabHost host, CancellationToken cancellationToken)
    {
        if (!Runs(host) || LabMachines.InitPid(host) is not { } pid)
        {
            return;
        }

        await LabProcess.RunAsync(
            "nsenter",
            ["-t", pid.ToString(CultureInfo.InvariantCulture), "-m", "-u", "-n", "podman", "stop", "--all", "--time", "0"],
            null,
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Builds a stand-in image and pushes it to the lab's registry under <paramref name="image"/>'s
    /// name; returns the pushed digest. Each push with other settings is a new digest.
    /// </summary>
    public static async Task<string> PushAsync(LabState state, LabImage image, CancellationToken cancellationToken)
    {
        var reference = ImageReference.Parse(image.Name);
        var directory = ImagesDirectory(state.Directory);
        var rootfs = await RootFilesystemAsync(directory, Path.Combine(LabPaths.Inventory(state.Directory), "lab", "bin", "busybox"), cancellationToken).ConfigureAwait(false);
        string[] podman = ["--root", Path.Combine(directory, "storage"), "--runroot", RunRoot(state.Directory), "--storage-driver", "vfs"];
        var engine = await BuilderEngineAsync(directory, cancellationToken).ConfigureAwait(false);
        var local = $"localhost/lab-image/{reference.Repository}:{reference.Tag}";
        var changes = new List<string>
        {
            "ENV LAB_NAME=" + image.ServiceName,
            "ENV LAB_PORTS=" + string.Join(' ', image.Ports.Select(p => p.ToString(CultureInfo.InvariantCulture))),
            "ENV LAB_KIND=" + image.Kind,
            "ENV LAB_HEALTH=" + image.Health,
            "ENV LAB_VERSION=" + image.Version,
            "LABEL org.opencontainers.image.version=" + image.Version,
            "ENTRYPOINT [\"/bin/sh\", \"/lab/serve.sh\"]",
        };
        await LabProcess.RunCheckedAsync("podman", [.. podman, "import", .. changes.SelectMany(c => new[] { "--change", c }), rootfs, local], engine, cancellationToken).ConfigureAwait(false);
        var digestFile = Path.Combine(directory, "digest-" + Guid.NewGuid().ToString("N"));
        try
        {
            await LabProcess.RunCheckedAsync(
                "podman",
                [.. podman, "push", "--tls-verify=false", "--digestfile", digestFile, local, $"{RegistryAddress(state)}/{reference.Registry}/{reference.Repository}:{reference.Tag}"],
                engine,
                cancellationToken).ConfigureAwait(false);
            return (await File.ReadAllTextAsync(digestFile, cancellationToken).ConfigureAwait(false)).Trim();
        }
        finally
        {
            File.Delete(digestFile);
        }
    }

    /// <summary>
    /// The engine configuration of the podman that builds stand-in images: its own per-boot
    /// directory and file locks under <paramref name="directory"/>. With the machine's (its
    /// /run/libpod and the locks in /dev/shm), its first command after a boot would "refresh" them
    /// for its own database, freeing the locks of the machine's running containers.
    /// </summary>
    private static async Task<Dictionary<string, string>> BuilderEngineAsync(string directory, CancellationToken cancellationToken)
    {
        var file = Path.Combine(directory, "containers.conf");
        var written = file + "." + Guid.NewGuid().ToString("N");
        await File.WriteAllTextAsync(written, $"""
            [engine]
            tmp_dir = "{Path.Combine(directory, "tmp")}"
            lock_type = "file"
            events_logger = "file"

            """, cancellationToken).ConfigureAwait(false);
        // Renamed into place: a push running meanwhile never reads a half-written file.
        File.Move(written, file, overwrite: true);
        return new Dictionary<string, string>(StringComparer.Ordinal) { ["CONTAINERS_CONF"] = file };
    }

    /// <summary>A tar of a root file system with the machine's static busybox (and its applets) and the serve script.</summary>
    private static async Task<string> RootFilesystemAsync(string directory, string busybox, CancellationToken cancellationToken)
    {
        var tar = Path.Combine(directory, "rootfs.tar");
        if (File.Exists(tar))
        {
            return tar;
        }

        var root = Path.Combine(directory, "rootfs");
        Directory.CreateDirectory(Path.Combine(root, "bin"));
        Directory.CreateDirectory(Path.Combine(root, "lab"));
        // A sticky, world-writable /tmp: containers run as their inventory's user (568:568).
        Directory.CreateDirectory(Path.Combine(root, "tmp"));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(Path.Combine(root, "tmp"), (UnixFileMode)0b1_111_111_111);
        }
        Directory.CreateDirectory(Path.Combine(root, "etc"));
        File.Copy(busybox, Path.Combine(root, "bin", "busybox"), overwrite: true);
        foreach (var applet in new[] { "sh", "nc", "sleep", "printf", "cat", "echo", "kill", "ls", "id", "env", "touch", "rm", "wget", "test", "[" })
        {
            File.CreateSymbolicLink(Path.Combine(root, "bin", applet), "busybox");
        }

        await File.WriteAllTextAsync(Path.Combine(root, "etc", "passwd"), "root:x:0:0:root:/:/bin/sh\nnixarr:x:568:568:nixarr:/:/bin/sh\n", cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(root, "etc", "group"), "root:x:0:\nnixarr:x:568:\n", cancellationToken).ConfigureAwait(false);
        await LabResources.WriteAsync("container-serve.sh", Path.Combine(root, "lab", "serve.sh"), cancellationToken).ConfigureAwait(false);
        await LabProcess.RunCheckedAsync("tar", ["-C", root, "-cf", tar + ".new", "."], null, cancellationToken).ConfigureAwait(false);
        File.Move(tar + ".new", tar);
        return tar;
    }
}

/// <summary>An image reference split as registries name it: <c>ghcr.io</c> / <c>homebridge/homebridge</c> : <c>latest</c>.</summary>
internal readonly record struct ImageReference(string Registry, string Repository, string Tag)
{
    public static ImageReference Parse(string image)
    {
        var name = image;
        var at = name.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            name = name[..at];
        }

        var tag = "latest";
        var colon = name.LastIndexOf(':');
        if (colon > name.LastIndexOf('/'))
        {
            tag = name[(colon + 1)..];
            name = name[..colon];
        }

        var slash = name.IndexOf('/', StringComparison.Ordinal);
        var first = slash < 0 ? "" : name[..slash];
        if (slash >= 0 && (first.Contains('.', StringComparison.Ordinal) || first.Contains(':', StringComparison.Ordinal) || first == "localhost"))
        {
            return new ImageReference(first, name[(slash + 1)..], tag);
        }

        return new ImageReference("docker.io", slash < 0 ? "library/" + name : name, tag);
    }
}
