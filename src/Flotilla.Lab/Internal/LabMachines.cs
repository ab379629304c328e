using System.Globalization;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Flotilla.Nix;
using Flotilla.Processes;

namespace Flotilla.Lab.Internal;

/// <summary>Boots, finds and kills the processes of lab hosts.</summary>
internal static partial class LabMachines
{
    public static async Task PrepareAsync(LabState state, LabHost host, string systemPath, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.Combine(host.Directory, "root"));
        Directory.CreateDirectory(Path.Combine(host.Directory, "home"));
        await File.WriteAllTextAsync(LabPaths.BootId(host.Directory), Guid.NewGuid().ToString() + "\n", cancellationToken).ConfigureAwait(false);
        await LabProcess.RunCheckedAsync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", $"{host.Name}@{state.Name}", "-f", LabPaths.HostKey(host.Directory)], null, cancellationToken).ConfigureAwait(false);
        var sshd = $"""
            # sshd of lab host {host.Name} (lab {state.Name}); started inside the host's namespaces.
            Port 22
            ListenAddress 0.0.0.0
            HostKey "{LabPaths.HostKey(host.Directory)}"
            AuthorizedKeysFile "{LabPaths.Key(state.Directory)}.pub"
            PidFile /run/sshd.pid
            UsePAM no
            StrictModes no
            PermitRootLogin prohibit-password
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            MaxStartups 100:30:200
            LogLevel ERROR
            SetEnv PATH=/run/current-system/sw/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

            """;
        await File.WriteAllTextAsync(LabPaths.SshdConfig(host.Directory), sshd, cancellationToken).ConfigureAwait(false);
        await LabProcess.RunCheckedAsync(
            "nix",
            [.. NixFlags.Command, "copy", "--no-check-sigs", "--to", "local?root=" + Path.Combine(host.Directory, "root"), systemPath],
            null,
            cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(host.Directory, "initial-system"), systemPath + "\n", cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(host.Directory, "platform"), host.Platform + "\n", cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(host.Directory, "hostname"), host.Name + "\n", cancellationToken).ConfigureAwait(false);
        if (host.Uid is { } uid)
        {
            await WriteUserAsync(host, uid, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The host's login user (a home-manager host's): the machine's passwd and group with one more
    /// entry each, bind-mounted over /etc/passwd and /etc/group inside the host only (boot.sh), and
    /// a home directory under the host's directory.
    /// </summary>
    private static async Task WriteUserAsync(LabHost host, int uid, CancellationToken cancellationToken)
    {
        var id = uid.ToString(CultureInfo.InvariantCulture);
        var home = Path.Combine(host.Directory, "users", host.User);
        Directory.CreateDirectory(home);
        var passwd = await File.ReadAllTextAsync("/etc/passwd", cancellationToken).ConfigureAwait(false);
        var group = await File.ReadAllTextAsync("/etc/group", cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(host.Directory, "passwd"), passwd.TrimEnd('\n') + $"\n{host.User}:x:{id}:{id}:Flotilla lab user:{home}:/bin/sh\n", cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(host.Directory, "group"), group.TrimEnd('\n') + $"\n{host.User}:x:{id}:\n", cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(host.Directory, "user"), $"{host.User} {id} {home}\n", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Starts the host's init (boot.sh) detached, in its network namespace and a new mount namespace.</summary>
    public static async Task BootAsync(LabState state, LabHost host, int sshdDelaySeconds, CancellationToken cancellationToken)
    {
        File.Delete(LabPaths.InitPid(host.Directory));
        await LabProcess.RunCheckedAsync(
            "setsid",
            ["-f", "ip", "netns", "exec", host.Namespace, "unshare", "-m", "-u", "--propagation", "private",
             "/bin/sh", LabPaths.BootScript(state.Directory), host.Directory, sshdDelaySeconds.ToString(CultureInfo.InvariantCulture)],
            null,
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The pid of the host's init, or null when the host is not running.</summary>
    public static int? InitPid(LabHost host)
    {
        try
        {
            var text = File.ReadAllText(LabPaths.InitPid(host.Directory)).Trim();
            return int.TryParse(text, CultureInfo.InvariantCulture, out var pid) && Directory.Exists($"/proc/{pid}") ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>
    /// Whether a process runs: it exists and is not a zombie (the machine's init may reap orphaned
    /// lab processes late, and a zombie is no running service).
    /// </summary>
    public static bool IsRunning(string pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var afterName = stat.LastIndexOf(')');
            return afterName > 0 && afterName + 2 < stat.Length && stat[afterName + 2] != 'Z';
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>The host's root directory as its init sees it (its /nix and /run included).</summary>
    public static string? Root(LabHost host) => InitPid(host) is { } pid ? $"/proc/{pid}/root" : null;

    /// <summary>
    /// Where a process's root directory is in its file system: the root of the mount it sees at
    /// <c>/</c> (mountinfo's fourth field). A container's is its root file system under the lab
    /// host's container storage; null when the process is gone.
    /// </summary>
    public static string? RootOf(int pid)
    {
        try
        {
            string? root = null;
            foreach (var line in File.ReadLines($"/proc/{pid}/mountinfo"))
            {
                var fields = line.Split(' ');
                if (fields.Length > 4 && fields[4] == "/")
                {
                    // The last mount at / is the one the process sees.
                    root = MountEscape().Replace(fields[3], m => ((char)Convert.ToInt32(m.Value[1..], 8)).ToString());
                }
            }

            return root;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// Kills every process whose root directory is at or under <paramref name="directory"/>: the
    /// containers of lab hosts that died without podman stopping them (their processes are in
    /// no lab namespace). Bounded: 5 s of SIGKILL rounds, then an error naming them.
    /// </summary>
    public static async Task KillRootedUnderAsync(string directory, TimeProvider time, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var pids = new List<int>();
            foreach (var entry in Directory.EnumerateDirectories("/proc"))
            {
                var name = Path.GetFileName(entry);
                if (int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid != Environment.ProcessId
                    && RootOf(pid) is { } root && (root == directory || root.StartsWith(directory + "/", StringComparison.Ordinal)) && IsRunning(name))
                {
                    pids.Add(pid);
                }
            }

            if (pids.Count == 0)
            {
                return;
            }

            foreach (var pid in pids)
            {
                ProcessGroups.SignalProcess(pid, ProcessSignal.Kill);
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), time, cancellationToken).ConfigureAwait(false);
        }

        throw new LabException($"processes rooted under {directory} survived SIGKILL for 5 s");
    }

    [GeneratedRegex(@"\\[0-7]{3}")]
    private static partial Regex MountEscape();

    public static async Task WaitForSshAsync(LabHost host, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        while (!await IsListeningAsync(host.Address, 22, time, cancellationToken).ConfigureAwait(false))
        {
            if (time.GetElapsedTime(started) > timeout)
            {
                var console = Path.Combine(host.Directory, "console.log");
                var log = File.Exists(console) ? await File.ReadAllTextAsync(console, cancellationToken).ConfigureAwait(false) : "(no console log)";
                throw new LabException($"lab host {host.Name} ({host.Address}) did not answer on port 22 within {timeout.TotalSeconds:0} s; its console ({console}):\n{log}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), time, cancellationToken).ConfigureAwait(false);
        }
    }

    public static async Task<bool> IsListeningAsync(string address, int port, TimeProvider time, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(500), time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(address, port, linked.Token).ConfigureAwait(false);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>Kills every process of the host (everything in its network namespace) and waits until none is left.</summary>
    public static async Task KillAllAsync(LabHost host, TimeProvider time, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var pids = await LabNetwork.PidsAsync(host.Namespace, cancellationToken).ConfigureAwait(false);
            if (pids.Count == 0)
            {
                return;
            }

            foreach (var pid in pids)
            {
                ProcessGroups.SignalProcess(pid, ProcessSignal.Kill);
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), time, cancellationToken).ConfigureAwait(false);
        }

        throw new LabException($"processes of lab host {host.Name} (namespace {host.Namespace}) survived SIGKILL for 5 s; see `ip netns pids {host.Namespace}`");
    }

    /// <summary>Sum of the resident memory of the host's processes, in bytes.</summary>
    public static async Task<long> MemoryAsync(LabHost host, CancellationToken cancellationToken)
    {
        long total = 0;
        foreach (var pid in await LabNetwork.PidsAsync(host.Namespace, cancellationToken).ConfigureAwait(false))
        {
            try
            {
                foreach (var line in await File.ReadAllLinesAsync($"/proc/{pid}/status", cancellationToken).ConfigureAwait(false))
                {
                    if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                    {
                        total += long.Parse(line["VmRSS:".Length..].Replace("kB", "", StringComparison.Ordinal).Trim(), CultureInfo.InvariantCulture) * 1024;
                    }
                }
            }
            catch (IOException)
            {
                // The process ended meanwhile.
            }
        }

        return total;
    }
}
