using System.Runtime.InteropServices;
using Flotilla.Contracts;

namespace Flotilla.Agent.Internal;

/// <summary>
/// The host's watched file systems for a heartbeat: space and inodes (<c>statvfs</c>), against
/// their thresholds, with the growth of their use over the last hours of this agent's own samples
/// and the time to full at that growth. Watches the configured paths, else every mount of a real
/// local file system (not proc, sysfs, cgroup, tmpfs and the like, nor network file systems, nor
/// the read-only Nix store). One
/// instance per agent; not thread safe (the heartbeat loop calls it).
/// </summary>
internal sealed partial class StorageProbe(IReadOnlyList<StorageThreshold> watched, TimeProvider time)
{
    /// <summary>How far back growth is measured.</summary>
    private static readonly TimeSpan Window = TimeSpan.FromHours(6);

    /// <summary>Growth needs samples this far apart at least, or it is noise.</summary>
    private static readonly TimeSpan MinimumSpan = TimeSpan.FromMinutes(10);

    private static readonly HashSet<string> Virtual = new(StringComparer.Ordinal)
    {
        "proc", "sysfs", "devtmpfs", "devpts", "tmpfs", "cgroup", "cgroup2", "securityfs", "pstore", "bpf", "debugfs",
        "tracefs", "configfs", "fusectl", "mqueue", "hugetlbfs", "autofs", "binfmt_misc", "efivarfs", "rpc_pipefs", "nsfs",
        "overlay", "squashfs", "ramfs", "fuse.portal", "fuse.gvfsd-fuse",
        // Network file systems are watched only when named (--storage): their host watches them,
        // and one that hangs would hold up every read.
        "nfs", "nfs4", "cifs", "smb3", "fuse.sshfs", "9p",
    };

    private readonly Dictionary<string, Queue<(DateTimeOffset At, long Used)>> _history = new(StringComparer.Ordinal);

    public IReadOnlyList<StorageUsage> Read()
    {
        var thresholds = watched.Count > 0 ? watched : RealMounts().Select(m => new StorageThreshold(m)).ToList();
        var now = time.GetUtcNow();
        var usages = new List<StorageUsage>();
        foreach (var threshold in thresholds)
        {
            if (Stat(threshold.Path) is not { } stat)
            {
                continue;
            }

            var (growth, hours) = Growth(threshold.Path, now, stat.Used, stat.Total - stat.Used);
            usages.Add(new StorageUsage(threshold.Path, stat.Total, stat.Used, stat.Inodes, stat.InodesUsed, threshold.Warning, threshold.Critical, growth, hours));
        }

        return usages;
    }

    /// <summary>Bytes an hour over the samples of the last <see cref="Window"/>, and hours to full at that rate (null when not growing).</summary>
    private (double? Growth, double? HoursToFull) Growth(string path, DateTimeOffset now, long used, long free)
    {
        if (!_history.TryGetValue(path, out var samples))
        {
            samples = new Queue<(DateTimeOffset, long)>();
            _history[path] = samples;
        }

        samples.Enqueue((now, used));
        while (samples.Count > 0 && now - samples.Peek().At > Window)
        {
            samples.Dequeue();
        }

        var (firstAt, firstUsed) = samples.Peek();
        var span = now - firstAt;
        if (span < MinimumSpan)
        {
            return (null, null);
        }

        var perHour = (used - firstUsed) / span.TotalHours;
        return (Math.Round(perHour), perHour > 0 ? Math.Round(free / perHour, 1) : null);
    }

    /// <summary>Mount points of real file systems, from <c>/proc/self/mounts</c> (each once, the Nix store left out).</summary>
    private static IEnumerable<string> RealMounts()
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines("/proc/self/mounts");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return ["/"];
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        var mounts = new List<string>();
        foreach (var line in lines)
        {
            var fields = line.Split(' ');
            if (fields.Length < 3 || Virtual.Contains(fields[2]))
            {
                continue;
            }

            // Octal escapes (\040 for a space) as the kernel writes them.
            var mount = System.Text.RegularExpressions.Regex.Replace(fields[1], @"\\([0-7]{3})", m => ((char)Convert.ToInt32(m.Groups[1].Value, 8)).ToString());
            if (mount.StartsWith("/nix/store", StringComparison.Ordinal) || mount.StartsWith("/proc", StringComparison.Ordinal)
                || mount.StartsWith("/sys", StringComparison.Ordinal) || mount.StartsWith("/dev", StringComparison.Ordinal) || !seen.Add(mount))
            {
                continue;
            }

            mounts.Add(mount);
        }

        return mounts.Count == 0 ? ["/"] : mounts;
    }

    private readonly record struct Usage(long Total, long Used, long Inodes, long InodesUsed);

    private static Usage? Stat(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            try
            {
                var drive = new DriveInfo(path);
                return new Usage(drive.TotalSize, drive.TotalSize - drive.TotalFreeSpace, 0, 0);
            }
            catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException)
            {
                return null;
            }
        }

        if (StatVfs(path, out var s) != 0)
        {
            return null;
        }

        var fragment = (long)(s.FragmentSize == 0 ? s.BlockSize : s.FragmentSize);
        var total = (long)s.Blocks * fragment;
        // Used is what a service (not root) cannot have: the blocks reserved for root count as used,
        // so the percentage is full when services can write no more (df's Use% within a point or two).
        var used = ((long)s.Blocks - (long)s.AvailableBlocks) * fragment;
        return new Usage(total, used, (long)s.Files, (long)s.Files - (long)s.FreeFiles);
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct StatVfsBuffer
    {
        public ulong BlockSize;
        public ulong FragmentSize;
        public ulong Blocks;
        public ulong FreeBlocks;
        public ulong AvailableBlocks;
        public ulong Files;
        public ulong FreeFiles;
        public ulong AvailableFiles;
        public ulong FileSystemId;
        public ulong Flags;
        public ulong NameMax;
        private readonly int _spare0;
        private readonly int _spare1;
        private readonly int _spare2;
        private readonly int _spare3;
        private readonly int _spare4;
        private readonly int _spare5;
    }

    [LibraryImport("libc", EntryPoint = "statvfs", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int StatVfs(string path, out StatVfsBuffer buffer);
}
