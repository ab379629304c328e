using System.Globalization;
using Flotilla.Lab.Internal;
using Flotilla.Processes;

namespace Flotilla.Lab;

public sealed partial class Lab
{
    private const string TimerName = "flotilla-lab-timer";

    /// <summary>
    /// Injects a fault into a host. With a <paramref name="duration"/> the fault ends by itself
    /// (a detached timer undoes it); without one it lasts until <see cref="HealAsync"/> (or, for
    /// activation-fails, the next activation; for reboot, the duration is how long sshd stays away).
    /// </summary>
    public async Task FaultAsync(string host, LabFault fault, TimeSpan? duration = null, CancellationToken cancellationToken = default)
    {
        var labHost = GetHost(host);
        if (fault == LabFault.Unreachable)
        {
            await LabNetwork.SetLinkAsync(labHost.Interface, up: false, cancellationToken).ConfigureAwait(false);
            if (duration is { } down)
            {
                await StartTimerAsync(down, ["ip", "link", "set", labHost.Interface, "up"], cancellationToken).ConfigureAwait(false);
            }

            return;
        }

        if (fault == LabFault.BootHangs)
        {
            await File.WriteAllTextAsync(LabPaths.BootHangs(labHost.Directory), "lab fault\n", cancellationToken).ConfigureAwait(false);
            return;
        }

        if (fault == LabFault.Reboot)
        {
            await RebootAsync(labHost, duration ?? TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
            return;
        }

        var pid = LabMachines.InitPid(labHost)
            ?? throw new LabException($"lab host {host} is not running (no init in {labHost.Directory}); reboot it with `flotilla lab fault {Name} {host} reboot`");
        var faults = $"/proc/{pid}/root/run/lab/faults";
        switch (fault)
        {
            case LabFault.ActivationFails:
                var marker = Path.Combine(faults, "activation-fails");
                await File.WriteAllTextAsync(marker, "lab fault\n", cancellationToken).ConfigureAwait(false);
                if (duration is { } failing)
                {
                    await File.WriteAllTextAsync(marker + ".keep", "until the timer ends\n", cancellationToken).ConfigureAwait(false);
                    await StartTimerAsync(failing, ["rm", "-f", marker, marker + ".keep"], cancellationToken).ConfigureAwait(false);
                }

                break;
            case LabFault.Unhealthy:
                var unhealthy = Path.Combine(faults, "unhealthy");
                await File.WriteAllTextAsync(unhealthy, "lab fault\n", cancellationToken).ConfigureAwait(false);
                if (duration is { } sick)
                {
                    await StartTimerAsync(sick, ["rm", "-f", unhealthy], cancellationToken).ConfigureAwait(false);
                }

                break;
            case LabFault.SshdStop:
                await StopSshdAsync(labHost, pid, cancellationToken).ConfigureAwait(false);
                if (duration is { } stopped)
                {
                    await StartTimerAsync(stopped, SshdCommand(labHost, pid), cancellationToken).ConfigureAwait(false);
                }

                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(fault), fault, "unknown lab fault");
        }
    }

    /// <summary>Ends every fault of a host: fault markers removed, link up, sshd started again; a host whose boot hung boots again.</summary>
    public async Task HealAsync(string host, CancellationToken cancellationToken = default)
    {
        var labHost = GetHost(host);
        await LabNetwork.SetLinkAsync(labHost.Interface, up: true, cancellationToken).ConfigureAwait(false);
        var hangs = LabPaths.BootHangs(labHost.Directory);
        if (File.Exists(hangs))
        {
            File.Delete(hangs);
            await RebootAsync(labHost, TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
            await LabMachines.WaitForSshAsync(labHost, TimeSpan.FromSeconds(30), time, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (LabMachines.InitPid(labHost) is not { } pid)
        {
            return;
        }

        var faults = $"/proc/{pid}/root/run/lab/faults";
        if (System.IO.Directory.Exists(faults))
        {
            foreach (var file in System.IO.Directory.EnumerateFiles(faults))
            {
                File.Delete(file);
            }
        }

        if (!await LabMachines.IsListeningAsync(labHost.Address, 22, time, cancellationToken).ConfigureAwait(false))
        {
            var command = SshdCommand(labHost, pid);
            await LabProcess.RunCheckedAsync(command[0], command[1..], null, cancellationToken).ConfigureAwait(false);
        }
    }

    private static string[] SshdCommand(LabHost host, int pid) =>
        ["nsenter", "-t", pid.ToString(CultureInfo.InvariantCulture), "-m", "-n", "-u",
         "/usr/sbin/sshd", "-f", LabPaths.SshdConfig(host.Directory), "-E", LabPaths.SshdLog(host.Directory)];

    private async Task StopSshdAsync(LabHost host, int initPid, CancellationToken cancellationToken)
    {
        var pidFile = $"/proc/{initPid}/root/run/sshd.pid";
        // sshd listens before it daemonizes and writes its pid file: a host that just came up
        // (or back) may answer on port 22 with no pid file yet. Wait for it, bounded.
        for (var i = 0; i < 100 && !File.Exists(pidFile) && await LabMachines.IsListeningAsync(host.Address, 22, time, cancellationToken).ConfigureAwait(false); i++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(50), time, cancellationToken).ConfigureAwait(false);
        }

        if (!File.Exists(pidFile))
        {
            return;
        }

        if (int.TryParse(await File.ReadAllTextAsync(pidFile, cancellationToken).ConfigureAwait(false), NumberStyles.None | NumberStyles.AllowTrailingWhite, CultureInfo.InvariantCulture, out var sshd))
        {
            ProcessGroups.SignalProcess(sshd, ProcessSignal.Terminate);
        }

        File.Delete(pidFile);
        // The fault is in effect once nothing listens any more: sshd handles TERM a moment later,
        // and a connection made meanwhile would still be accepted. Bounded (5 s).
        for (var i = 0; i < 100 && await LabMachines.IsListeningAsync(host.Address, 22, time, cancellationToken).ConfigureAwait(false); i++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(50), time, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task RebootAsync(LabHost host, TimeSpan sshdDelay, CancellationToken cancellationToken)
    {
        // A reboot ends the containers too (theirs are not the host namespace's processes);
        // those with restart policy always start again at boot.
        await LabContainers.StopAllAsync(host, cancellationToken).ConfigureAwait(false);
        await LabMachines.KillAllAsync(host, time, cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(LabPaths.BootId(host.Directory), Guid.NewGuid().ToString() + "\n", cancellationToken).ConfigureAwait(false);
        await LabMachines.BootAsync(state, host, (int)Math.Ceiling(sshdDelay.TotalSeconds), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs a command after a delay in a detached process that <c>down</c> can find and kill. The
    /// process lets go of our output pipes first, or waiting for setsid would wait for the timer.
    /// </summary>
    private async Task StartTimerAsync(TimeSpan after, IReadOnlyList<string> command, CancellationToken cancellationToken)
    {
        var timers = LabPaths.Timers(Directory);
        System.IO.Directory.CreateDirectory(timers);
        var pidFile = Path.Combine(timers, Guid.NewGuid().ToString("N") + ".pid");
        await LabProcess.RunCheckedAsync(
            "setsid",
            ["-f", "/bin/sh", "-c", "echo $$ > \"$1\"; exec < /dev/null > /dev/null 2>&1; sleep \"$2\"; rm -f \"$1\"; shift 2; exec \"$@\"",
             TimerName, pidFile, after.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture), .. command],
            null,
            cancellationToken).ConfigureAwait(false);
    }

    private async Task<LabHostStatus> HostStatusAsync(LabHost host, CancellationToken cancellationToken)
    {
        var pid = LabMachines.InitPid(host);
        var root = pid is null ? null : $"/proc/{pid}/root";
        string? Link(string path) => root is null ? null : new FileInfo(root + path).LinkTarget;
        var current = Link("/run/current-system");
        var booted = Link("/run/booted-system");
        var services = new Dictionary<string, string>();
        var faults = new List<string>();
        if (root is not null && current is not null)
        {
            var serviceLinks = root + current + "/services";
            foreach (var link in System.IO.Directory.Exists(serviceLinks) ? System.IO.Directory.EnumerateFileSystemEntries(serviceLinks) : [])
            {
                var name = Path.GetFileName(link);
                var pidFile = $"{root}/run/lab/services/{name}/pid";
                var alive = File.Exists(pidFile) && LabMachines.IsRunning(File.ReadAllText(pidFile).Trim());
                services[name] = alive ? "active" : "failed";
            }

            var faultDirectory = root + "/run/lab/faults";
            faults.AddRange(System.IO.Directory.Exists(faultDirectory) ? System.IO.Directory.EnumerateFiles(faultDirectory).Select(f => Path.GetFileName(f)) : []);
        }

        var bootId = File.Exists(LabPaths.BootId(host.Directory))
            ? (await File.ReadAllTextAsync(LabPaths.BootId(host.Directory), cancellationToken).ConfigureAwait(false)).Trim()
            : null;
        return new LabHostStatus
        {
            Name = host.Name,
            Address = host.Address,
            Running = pid is not null,
            LinkUp = LabNetwork.IsUp(host.Interface),
            SshListening = await LabMachines.IsListeningAsync(host.Address, 22, time, cancellationToken).ConfigureAwait(false),
            BootId = pid is null ? null : bootId,
            CurrentSystem = current,
            BootedSystem = booted,
            RebootRequired = current is not null && booted is not null && Link(current + "/kernel") != Link(booted + "/kernel"),
            Services = services,
            Faults = faults,
            MemoryBytes = await LabMachines.MemoryAsync(host, cancellationToken).ConfigureAwait(false),
        };
    }
}
