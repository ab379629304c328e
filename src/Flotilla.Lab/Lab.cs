using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Text;
using Flotilla.Execution;
using Flotilla.Inventory;
using Flotilla.Lab.Internal;
using Flotilla.Nix;

namespace Flotilla.Lab;

/// <summary>
/// A lab: a fleet of NixOS-like hosts on this machine, each in its own network and mount
/// namespaces with its own Nix store, /run, boot id and sshd, reached over real SSH with
/// <see cref="SshConfigPath"/>. Needs root. Create one with <see cref="UpAsync"/>, find a running
/// one with <see cref="OpenAsync"/>, remove it with <see cref="DownAsync(string, string?, CancellationToken)"/>.
/// Instances are thread safe: they hold no mutable state (the state lives on disk and in the kernel).
/// </summary>
public sealed partial class Lab
{

    /// <summary>Home-manager hosts' users get ids from here on (one per host, in the host's own /etc/passwd only).</summary>
    private const int FirstUserId = 64000;
    private readonly LabState state;
    private readonly TimeProvider time;

    private Lab(LabState state, TimeProvider time)
    {
        this.state = state;
        this.time = time;
    }

    public string Name => state.Name;

    /// <summary>The lab's state directory (StateRoot/Name).</summary>
    public string Directory => state.Directory;

    /// <summary>The bridge's host-side address: lab hosts reach the machine running the lab at it (their default route).</summary>
    public string Gateway => state.Gateway;

    /// <summary>The lab's flake: <c>nixosConfigurations.&lt;host&gt;</c> with flotilla.machine metadata; hosts/&lt;host&gt;.json.</summary>
    public string InventoryDirectory => LabPaths.Inventory(state.Directory);

    public IReadOnlyList<LabHost> Hosts => state.Hosts;

    /// <summary>An OpenSSH client configuration with a Host entry per lab host: <c>ssh -F SshConfigPath HOST</c>.</summary>
    public string SshConfigPath => LabPaths.SshConfig(state.Directory);

    /// <summary>The private key every lab host accepts for root.</summary>
    public string KeyPath => LabPaths.Key(state.Directory);

    public string KnownHostsPath => LabPaths.KnownHosts(state.Directory);

    /// <summary>Environment for nix commands that reach lab hosts over SSH (NIX_SSHOPTS).</summary>
    public IReadOnlyDictionary<string, string> NixSshEnvironment =>
        new Dictionary<string, string> { ["NIX_SSHOPTS"] = $"-F {SshConfigPath}" };

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,31}$")]
    private static partial Regex LabName();

    public LabHost GetHost(string name) =>
        state.Hosts.FirstOrDefault(h => h.Name == name)
        ?? throw new LabException($"lab {Name} has no host \"{name}\"; its hosts are {string.Join(", ", state.Hosts.Select(h => h.Name))}");

    /// <summary>
    /// The command prefix that runs a program inside a running host: its network, mount and UTS
    /// namespaces (so its own /nix, /run, hostname and address), on this machine's other files.
    /// </summary>
    public IReadOnlyList<string> EnterCommand(string host)
    {
        var labHost = GetHost(host);
        var pid = LabMachines.InitPid(labHost) ?? throw new LabException($"lab host {labHost.Name} is not running; bring it back with flotilla lab fault {labHost.Name} heal, or lab up again");
        return ["nsenter", "-t", pid.ToString(System.Globalization.CultureInfo.InvariantCulture), "-m", "-u", "-n"];
    }

    /// <summary>
    /// A program the host starts at every boot from now on, as systemd starts an enabled unit (a
    /// test's agent, which must come back after a reboot): <paramref name="script"/> is written to
    /// <c>HOSTDIR/units/NAME</c> (outside the host, so it outlives reboots) and boot.sh starts it
    /// detached, its output in <c>NAME.log</c> beside it. It is not started now.
    /// </summary>
    public async Task<string> InstallBootUnitAsync(string host, string name, string script, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(script);
        if (string.IsNullOrEmpty(name) || name.Contains('/', StringComparison.Ordinal) || name.StartsWith('.') || name.EndsWith(".log", StringComparison.Ordinal))
        {
            throw new LabException($"a boot unit's name is a file name (not ending in .log), not \"{name}\"");
        }

        var units = System.IO.Path.Combine(GetHost(host).Directory, "units");
        System.IO.Directory.CreateDirectory(units);
        var path = System.IO.Path.Combine(units, name);
        await File.WriteAllTextAsync(path, script, cancellationToken).ConfigureAwait(false);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        return path + ".log";
    }

    /// <summary>The lab configuration a host's system is built from (<c>hosts/&lt;host&gt;.json</c> in the inventory).</summary>
    public string HostConfigurationPath(string host) => LabInventory.HostConfiguration(InventoryDirectory, GetHost(host).Name);

    /// <summary>
    /// Creates a lab: cleans what an earlier lab of the same name left, builds every host's system
    /// with nix, makes the network and boots the hosts, and returns once every sshd answers.
    /// Anything that fails on the way is removed again.
    /// </summary>
    public static async Task<Lab> UpAsync(LabOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!LabName().IsMatch(options.Name))
        {
            throw new LabException($"\"{options.Name}\" is not a lab name: use lower-case letters, digits and '-', at most 32 characters");
        }

        if (!Environment.IsPrivilegedProcess)
        {
            throw new LabException("a lab needs root (it makes network namespaces, links and mounts); run it as root");
        }

        var planned = LabPlan.Make(options.Fleet, options.HostCount);
        var root = Path.GetFullPath(options.StateRoot);
        var labDirectory = Path.Combine(root, options.Name);
        // podman refuses a run root longer than 50 characters, deep into making the images.
        var runRoot = LabContainers.RunRoot(labDirectory);
        if (LabContainers.ContainerServices(options.Fleet).Any() && runRoot.Length > LabContainers.MaxRunRoot)
        {
            throw new LabException($"the lab's image store would run in {runRoot} ({runRoot.Length} characters), and podman takes at most {LabContainers.MaxRunRoot}: use a shorter --name or --state-dir");
        }

        await DownAsync(options.Name, root, cancellationToken).ConfigureAwait(false);
        var time = options.TimeProvider;

        var state = await LabSubnets.WithLockAsync(
            time,
            async () =>
            {
                var namespaces = await LabNetwork.NamespacesAsync(cancellationToken).ConfigureAwait(false);
                var index = LabSubnets.Pick(LabNetwork.Links(), namespaces, RecordedIndices(root));
                var prefix = $"fl{index}";
                var made = new LabState
                {
                    Name = options.Name,
                    Index = index,
                    Prefix = prefix,
                    Bridge = prefix + "br",
                    Gateway = $"10.77.{index}.254",
                    Directory = labDirectory,
                    CreatedAt = time.GetUtcNow(),
                    Hosts = [.. planned.Select((p, i) => new LabHost
                    {
                        Name = p.Name,
                        Number = i + 1,
                        Namespace = $"{prefix}-{i + 1}",
                        Interface = $"{prefix}v{i + 1}",
                        Address = $"10.77.{index}.{i + 1}",
                        Directory = Path.Combine(LabPaths.Hosts(labDirectory), p.Name),
                        Services = p.Services,
                        Platform = p.Platform,
                        User = p.User,
                        Uid = p.User == "root" ? null : FirstUserId + i + 1,
                    })],
                };
                System.IO.Directory.CreateDirectory(labDirectory);
                await made.WriteAsync(cancellationToken).ConfigureAwait(false);
                await LabNetwork.CreateBridgeAsync(made, cancellationToken).ConfigureAwait(false);
                return made;
            },
            cancellationToken).ConfigureAwait(false);

        try
        {
            var lab = new Lab(state, time);
            await lab.CreateAsync(options, planned, cancellationToken).ConfigureAwait(false);
            await LabSubnets.WithLockAsync(
                time,
                async () =>
                {
                    await UserSshConfig.EnsureIncludedAsync(UserSshConfig.DefaultPath, root, cancellationToken).ConfigureAwait(false);
                    return true;
                },
                cancellationToken).ConfigureAwait(false);
            return lab;
        }
        catch
        {
            await DownAsync(options.Name, root, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Finds a lab that <see cref="UpAsync"/> made.</summary>
    public static async Task<Lab> OpenAsync(string name, string? stateRoot = null, TimeProvider? timeProvider = null, CancellationToken cancellationToken = default)
    {
        var directory = Path.Combine(Path.GetFullPath(stateRoot ?? LabOptions.DefaultStateRoot), name);
        var state = await LabState.ReadAsync(directory, cancellationToken).ConfigureAwait(false)
            ?? throw new LabException($"there is no lab \"{name}\" ({LabPaths.StateFile(directory)} does not exist); create it with `flotilla lab up --name {name}`");
        return new Lab(state, timeProvider ?? TimeProvider.System);
    }

    /// <summary>Removes this lab: see <see cref="DownAsync(string, string?, CancellationToken)"/>.</summary>
    public Task DownAsync(CancellationToken cancellationToken = default) =>
        DownAsync(Name, Path.GetDirectoryName(Directory), cancellationToken);

    /// <summary>
    /// Removes every process, namespace, link, timer and file of the lab <paramref name="name"/>.
    /// Idempotent: a lab that does not exist is fine.
    /// </summary>
    public static async Task DownAsync(string name, string? stateRoot = null, CancellationToken cancellationToken = default)
    {
        if (!LabName().IsMatch(name))
        {
            throw new LabException($"\"{name}\" is not a lab name");
        }

        var directory = Path.Combine(Path.GetFullPath(stateRoot ?? LabOptions.DefaultStateRoot), name);
        KillTimers(directory);
        var state = System.IO.Directory.Exists(directory) ? await LabState.ReadAsync(directory, cancellationToken).ConfigureAwait(false) : null;
        if (state is not null)
        {
            var namespaces = await LabNetwork.NamespacesAsync(cancellationToken).ConfigureAwait(false);
            // Shared ssh connections would outlive the hosts and be offered to the next lab at these addresses.
            await Task.WhenAll(state.Hosts.Select(h => SshConnectionSharing.CloseAsync(new Target(h.Address, h.User), null, cancellationToken))).ConfigureAwait(false);
            foreach (var host in state.Hosts)
            {
                // A container's processes are outside the host's network namespace: podman removes them first.
                await LabContainers.RemoveAllAsync(host, cancellationToken).ConfigureAwait(false);
                await LabMachines.KillAllAsync(host, TimeProvider.System, cancellationToken).ConfigureAwait(false);
                if (namespaces.Contains(host.Namespace))
                {
                    await LabNetwork.IpAsync(["netns", "del", host.Namespace], cancellationToken).ConfigureAwait(false);
                }

                await LabNetwork.DeleteLinkAsync(host.Interface, cancellationToken).ConfigureAwait(false);
            }

            await LabNetwork.DeleteLinkAsync(state.Bridge, cancellationToken).ConfigureAwait(false);
        }

        // Containers of a host that died without podman stopping them (their processes are in no
        // namespace of the lab): their root file systems are under the lab's directory.
        await LabMachines.KillRootedUnderAsync(directory, TimeProvider.System, cancellationToken).ConfigureAwait(false);

        LabContainers.StopRegistry(directory);

        if (System.IO.Directory.Exists(directory))
        {
            System.IO.Directory.Delete(directory, recursive: true);
        }

        await LabSubnets.WithLockAsync(
            TimeProvider.System,
            async () =>
            {
                await UserSshConfig.RemoveIfUnusedAsync(UserSshConfig.DefaultPath, Path.GetDirectoryName(directory)!, cancellationToken).ConfigureAwait(false);
                return true;
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Builds a host's system from the lab's flake with nix and returns its store path.</summary>
    public async Task<string> BuildAsync(string host, CancellationToken cancellationToken = default)
    {
        var paths = await BuildAsync([GetHost(host).Name], cancellationToken).ConfigureAwait(false);
        return paths[0];
    }

    public async Task<LabStatus> StatusAsync(CancellationToken cancellationToken = default)
    {
        var hosts = await Task.WhenAll(state.Hosts.Select(h => HostStatusAsync(h, cancellationToken))).ConfigureAwait(false);
        return new LabStatus(Name, hosts);
    }

    /// <summary>Waits until the host's sshd answers, or fails after <paramref name="timeout"/>.</summary>
    public Task WaitUntilReachableAsync(string host, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        LabMachines.WaitForSshAsync(GetHost(host), timeout, time, cancellationToken);

    private static IEnumerable<int> RecordedIndices(string root)
    {
        if (!System.IO.Directory.Exists(root))
        {
            yield break;
        }

        foreach (var file in System.IO.Directory.EnumerateFiles(root, "state.json", SearchOption.AllDirectories))
        {
            int? index = null;
            try
            {
                using var document = JsonDocument.Parse(File.ReadAllText(file));
                index = document.RootElement.GetProperty("index").GetInt32();
            }
            catch (Exception exception) when (exception is IOException or JsonException or KeyNotFoundException or InvalidOperationException)
            {
                // A state file being written or broken; the kernel's links still guard its index.
            }

            if (index is { } value)
            {
                yield return value;
            }
        }
    }

    /// <summary>
    /// Kills the lab's fault timers: every process whose command line is a timer's and names a
    /// file in the lab's directory (its pid file), so a timer that has not written its pid yet is found too.
    /// </summary>
    private static void KillTimers(string directory)
    {
        var mark = LabPaths.Timers(directory) + "/";
        foreach (var process in System.IO.Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(process), CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                var commandLine = File.ReadAllText(Path.Combine(process, "cmdline"));
                if (commandLine.Contains(TimerName, StringComparison.Ordinal) && commandLine.Contains(mark, StringComparison.Ordinal))
                {
                    using var timer = System.Diagnostics.Process.GetProcessById(pid);
                    timer.Kill();
                }
            }
            catch (Exception exception) when (exception is IOException or ArgumentException or InvalidOperationException or UnauthorizedAccessException)
            {
                // The process ended meanwhile.
            }
        }
    }

    private async Task CreateAsync(LabOptions options, IReadOnlyList<PlannedHost> planned, CancellationToken cancellationToken)
    {
        await LabResources.WriteAsync("boot.sh", LabPaths.BootScript(Directory), cancellationToken).ConfigureAwait(false);
        await LabResources.WriteAsync("reboot.sh", LabPaths.RebootScript(Directory), cancellationToken).ConfigureAwait(false);
        await LabProcess.RunCheckedAsync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", $"flotilla-lab-{Name}", "-f", KeyPath], null, cancellationToken).ConfigureAwait(false);
        await LabInventory.WriteAsync(state, options.Fleet, planned, cancellationToken).ConfigureAwait(false);
        var systems = await BuildAsync([.. state.Hosts.Select(h => h.Name)], cancellationToken).ConfigureAwait(false);

        var containerHosts = ContainerHostsOf(options, state.Hosts.Select(h => h.Name));
        var registries = LabContainers.ContainerServices(options.Fleet).Select(s => ImageReference.Parse(s.Container!.Image).Registry).ToHashSet(StringComparer.Ordinal);
        if (containerHosts.Count > 0)
        {
            // Before the hosts boot: their first activation runs their containers, pulling from it.
            await StartContainersAsync(options, cancellationToken).ConfigureAwait(false);
        }

        using var gate = new SemaphoreSlim(4);
        await Task.WhenAll(state.Hosts.Select(async (host, i) =>
        {
            await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await LabMachines.PrepareAsync(state, host, systems[i], cancellationToken).ConfigureAwait(false);
                if (containerHosts.Contains(host.Name))
                {
                    await LabContainers.WriteHostConfigurationAsync(state, host, registries, cancellationToken).ConfigureAwait(false);
                }

                await LabNetwork.CreateHostAsync(state, host, cancellationToken).ConfigureAwait(false);
                await LabMachines.BootAsync(state, host, 0, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                gate.Release();
            }
        })).ConfigureAwait(false);

        await WriteSshFilesAsync(cancellationToken).ConfigureAwait(false);
        await Task.WhenAll(state.Hosts.Select(h => LabMachines.WaitForSshAsync(h, options.BootTimeout, time, cancellationToken))).ConfigureAwait(false);
    }

    /// <summary>
    /// Builds hosts' systems. One evaluation names every output path (nix build --json does not
    /// promise to answer in the order it was asked), then one nix build makes them.
    /// </summary>
    private async Task<IReadOnlyList<string>> BuildAsync(IReadOnlyList<string> hosts, CancellationToken cancellationToken)
    {
        var flake = "path:" + InventoryDirectory;
        var evaluation = await LabProcess.RunCheckedAsync(
            "nix",
            [.. NixFlags.Flakes, "eval", "--json", flake + "#labSystems",
             "--apply", "systems: builtins.mapAttrs (n: s: s.outPath) systems"],
            null,
            cancellationToken).ConfigureAwait(false);
        using var document = JsonDocument.Parse(evaluation);
        var paths = hosts.Select(h => document.RootElement.TryGetProperty(h, out var path)
            ? path.GetString()!
            : throw new LabException($"{InventoryDirectory}/flake.nix has no labSystems.{h}")).ToList();
        await LabProcess.RunCheckedAsync(
            "nix",
            [.. NixFlags.Flakes, "build", "--no-link", "--option", "substituters", "",
             .. hosts.Select(h => $"{flake}#{LabInventory.SystemAttribute(h)}")],
            null,
            cancellationToken).ConfigureAwait(false);
        return paths;
    }

    private async Task WriteSshFilesAsync(CancellationToken cancellationToken)
    {
        var config = new StringBuilder($"# Flotilla lab {Name}: ssh -F {SshConfigPath} HOST\n");
        var knownHosts = new StringBuilder();
        foreach (var host in state.Hosts)
        {
            config.Append(CultureInfo.InvariantCulture, $"""

                Host {host.Name} {host.Address}
                  HostName {host.Address}
                  User {host.User}
                  Port 22
                  IdentityFile "{KeyPath}"
                  IdentitiesOnly yes
                  UserKnownHostsFile "{KnownHostsPath}"
                  StrictHostKeyChecking yes
                  BatchMode yes
                  ConnectTimeout 5
                  LogLevel ERROR

                """);
            var publicKey = (await File.ReadAllTextAsync(LabPaths.HostKey(host.Directory) + ".pub", cancellationToken).ConfigureAwait(false)).Split(' ');
            knownHosts.Append(CultureInfo.InvariantCulture, $"{host.Name},{host.Address} {publicKey[0]} {publicKey[1]}\n");
        }

        await File.WriteAllTextAsync(KnownHostsPath, knownHosts.ToString(), cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(SshConfigPath, config.ToString(), cancellationToken).ConfigureAwait(false);
    }
}
