using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using Flotilla.Contracts;
using Flotilla.Processes;

namespace Flotilla.Agent.Internal;

/// <summary>Reads the host's facts (systems, generation, versions, flake revision) and load (from /proc and statvfs).</summary>
internal sealed partial class HostProbe(string? repository, IReadOnlyList<string>? tags = null, string? hostname = null, string? systemProfile = null)
{
    private (long Busy, long Total)? _lastCpu;

    /// <summary>This machine's name without its domain (<see cref="AgentOptions.MachineHostname"/>).</summary>
    public static string Hostname => AgentOptions.MachineHostname;

    /// <summary>The name the agent reports: the one it was given (<c>--hostname</c>), else <see cref="Hostname"/>.</summary>
    public string Name { get; } = hostname ?? Hostname;

    public static string Platform =>
        OperatingSystem.IsMacOS() ? "darwin" : File.Exists("/etc/NIXOS") ? "nixos" : OperatingSystem.IsLinux() ? "linux" : "unknown";

    public static string AgentVersion =>
        typeof(HostProbe).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    /// <summary>
    /// The profile whose generation is the host's current system: the one given, else NixOS's
    /// system profile, else (a machine where the user has home-manager and no NixOS) the user's
    /// home-manager profile, as home-manager places it.
    /// </summary>
    private string? Profile => systemProfile ?? (File.Exists("/run/current-system") || Directory.Exists("/run/current-system") ? null : HomeManagerProfile());

    private static string? HomeManagerProfile()
    {
        var home = Environment.GetEnvironmentVariable("HOME");
        var user = Environment.GetEnvironmentVariable("USER");
        foreach (var candidate in new[]
        {
            string.IsNullOrEmpty(home) ? null : Path.Combine(home, ".local", "state", "nix", "profiles", "home-manager"),
            string.IsNullOrEmpty(user) ? null : Path.Combine("/nix/var/nix/profiles/per-user", user, "home-manager"),
        })
        {
            if (candidate is not null && new FileInfo(candidate).LinkTarget is not null)
            {
                return candidate;
            }
        }

        return null;
    }

    public async Task<HostFacts> FactsAsync(CancellationToken cancellationToken)
    {
        var osVersion = await OutputAsync("nixos-version", [], cancellationToken).ConfigureAwait(false) ?? OsRelease();
        var nixpkgs = await OutputAsync("nixos-version", ["--revision"], cancellationToken).ConfigureAwait(false);
        var revision = repository is null ? null : await OutputAsync("git", ["-C", repository, "rev-parse", "HEAD"], cancellationToken).ConfigureAwait(false);
        var lockHash = repository is null ? null : await FlakeLock.HashAsync(Path.Combine(repository, "flake.lock"), cancellationToken).ConfigureAwait(false);
        var profile = Profile;
        var current = LinkTarget(profile ?? "/run/current-system");
        // A home-manager generation is not booted: there is nothing to reboot into.
        var booted = profile is null ? LinkTarget("/run/booted-system") : null;
        // What the next boot starts, when it is not what runs: a new system waits for a reboot.
        var bootDefault = profile is null ? Resolved("/nix/var/nix/profiles/system") : null;
        var pending = bootDefault is not null && current is not null && bootDefault != current ? bootDefault : null;
        return new HostFacts(
            Name,
            Platform,
            AgentVersion,
            osVersion,
            nixpkgs,
            current,
            booted,
            Generation(profile ?? "/nix/var/nix/profiles/system"),
            repository,
            revision,
            lockHash,
            tags is { Count: > 0 } ? tags : null,
            pending is not null ? true : NeedsReboot(booted, current),
            pending);
    }

    /// <summary>As <c>flotilla status</c> decides it: the booted and current kernel, initrd or kernel modules differ.</summary>
    internal static bool? NeedsReboot(string? booted, string? current) =>
        booted is null || current is null ? null
        : booted == current ? false
        : ((string[])["kernel", "initrd", "kernel-modules"]).Any(f => Resolved(Path.Combine(booted, f)) != Resolved(Path.Combine(current, f)));

    /// <summary>What <c>readlink -f</c> prints for an existing path (the path itself when it is no link); null when it does not exist.</summary>
    private static string? Resolved(string path)
    {
        try
        {
            var info = new FileInfo(path);
            return !info.Exists && !Directory.Exists(path) ? null : info.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? path;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>
    /// What changes when the host's system or repository does, read without starting a process:
    /// the system links, the profile's generation, the repository's HEAD, index and flake.lock.
    /// Facts are probed again (and sent) when it differs from the last one.
    /// </summary>
    public string Fingerprint()
    {
        var parts = new List<string?>
        {
            LinkTarget(Profile ?? "/run/current-system"),
            LinkTarget("/run/booted-system"),
            new FileInfo(Profile ?? "/nix/var/nix/profiles/system").LinkTarget,
        };
        if (repository is not null)
        {
            parts.Add(ReadOrEmpty(Path.Combine(repository, ".git", "HEAD")));
            foreach (var file in (string[])[Path.Combine(repository, ".git", "index"), Path.Combine(repository, "flake.lock")])
            {
                var info = new FileInfo(file);
                parts.Add(info.Exists ? info.Length.ToString(CultureInfo.InvariantCulture) + "@" + info.LastWriteTimeUtc.Ticks.ToString(CultureInfo.InvariantCulture) : "-");
            }
        }

        return string.Join('\n', parts.Select(p => p ?? "-"));
    }

    public HostMetrics Metrics()
    {
        var memory = MemInfo();
        long Kb(string key) => memory.TryGetValue(key, out var v) ? v * 1024 : 0;
        var load = ReadOrEmpty("/proc/loadavg").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        double Load(int i) => load.Length > i && double.TryParse(load[i], CultureInfo.InvariantCulture, out var v) ? v : 0;
        long diskTotal = 0, diskUsed = 0;
        try
        {
            var root = new DriveInfo("/");
            diskTotal = root.TotalSize;
            diskUsed = root.TotalSize - root.TotalFreeSpace;
        }
        catch (IOException)
        {
        }

        return new HostMetrics(
            CpuPercent(),
            Kb("MemTotal"),
            Kb("MemTotal") - Kb("MemAvailable"),
            Kb("SwapTotal"),
            Kb("SwapTotal") - Kb("SwapFree"),
            Load(0),
            Load(1),
            Load(2),
            diskTotal,
            diskUsed);
    }

    /// <summary>Busy share of all CPU time since the previous call (first call: since boot).</summary>
    private double CpuPercent()
    {
        var line = ReadOrEmpty("/proc/stat").Split('\n')[0];
        var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(f => long.TryParse(f, CultureInfo.InvariantCulture, out var v) ? v : 0).ToArray();
        if (fields.Length < 4)
        {
            return 0;
        }

        var total = fields.Sum();
        var idle = fields[3] + (fields.Length > 4 ? fields[4] : 0);
        var busy = total - idle;
        var (lastBusy, lastTotal) = _lastCpu ?? (0, 0);
        _lastCpu = (busy, total);
        var dt = total - lastTotal;
        return dt <= 0 ? 0 : Math.Round(100.0 * (busy - lastBusy) / dt, 1);
    }

    private static Dictionary<string, long> MemInfo()
    {
        var values = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var line in ReadOrEmpty("/proc/meminfo").Split('\n'))
        {
            var parts = line.Split(':', 2);
            if (parts.Length == 2 && long.TryParse(parts[1].Trim().Split(' ')[0], CultureInfo.InvariantCulture, out var v))
            {
                values[parts[0]] = v;
            }
        }

        return values;
    }

    private static string ReadOrEmpty(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }

    private static string? OsRelease()
    {
        var match = PrettyName().Match(ReadOrEmpty("/etc/os-release"));
        return match.Success ? match.Groups[1].Value : null;
    }

    private static string? LinkTarget(string path)
    {
        try
        {
            return new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>The profile's generation: /nix/var/nix/profiles/system points at system-N-link (home-manager's at home-manager-N-link).</summary>
    private static int? Generation(string profile)
    {
        try
        {
            var target = new FileInfo(profile).LinkTarget;
            var match = target is null ? null : GenerationLink().Match(target);
            return match is { Success: true } ? int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static async Task<string?> OutputAsync(string program, string[] arguments, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        try
        {
            var result = await ProcessRunner.RunAsync(program, arguments, null, timeout.Token).ConfigureAwait(false);
            return result.ExitCode == 0 && result.StandardOutput.Trim().Length > 0 ? result.StandardOutput.Trim() : null;
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or OperationCanceledException or InvalidOperationException)
        {
            return null;
        }
    }

    [GeneratedRegex("^PRETTY_NAME=\"?([^\"\\n]*)\"?", RegexOptions.Multiline)]
    private static partial Regex PrettyName();

    [GeneratedRegex("-(\\d+)-link$")]
    private static partial Regex GenerationLink();
}
