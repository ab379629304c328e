using System.Globalization;

namespace Flotilla.Bench.ControlPlane;

/// <summary>A process's memory and CPU time as Linux reports them under /proc.</summary>
internal static class ProcStats
{
    /// <summary>Clock ticks per second of /proc/PID/stat's times (USER_HZ: 100 on Linux).</summary>
    private const double TicksPerSecond = 100;

    /// <summary>VmRSS and VmHWM (peak RSS) in bytes; zeros when the process is gone.</summary>
    public static (long Rss, long Peak) Memory(int pid)
    {
        long rss = 0, peak = 0;
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    rss = Kilobytes(line) * 1024;
                }
                else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    peak = Kilobytes(line) * 1024;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }

        return (rss, peak);
    }

    /// <summary>Bytes the process caused to be written to storage so far (/proc/PID/io's write_bytes; 0 when it is gone).</summary>
    public static long WriteBytes(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/io").FirstOrDefault(l => l.StartsWith("write_bytes:", StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }

    /// <summary>User plus system CPU seconds the process used so far (0 when it is gone).</summary>
    public static double CpuSeconds(int pid)
    {
        var fields = StatFields(pid);
        return fields is null ? 0 : (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
    }

    /// <summary>CPU seconds of a process and all its direct children (PostgreSQL's postmaster and its backends).</summary>
    public static double CpuSecondsWithChildren(int pid)
    {
        var total = CpuSeconds(pid);
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var child) && child != pid
                && StatFields(child) is { } fields && fields[1] == pid.ToString(CultureInfo.InvariantCulture))
            {
                total += (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
            }
        }

        return total;
    }

    /// <summary>
    /// The proportional set size (PSS: shared pages divided among the processes sharing them) of a
    /// process and its direct children, summed: PostgreSQL's memory without counting its shared
    /// buffers once per backend, as an RSS sum would.
    /// </summary>
    public static long PssWithChildren(int pid)
    {
        var total = Pss(pid);
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var child) && child != pid
                && StatFields(child) is { } fields && fields[1] == pid.ToString(CultureInfo.InvariantCulture))
            {
                total += Pss(child);
            }
        }

        return total;
    }

    private static long Pss(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/smaps_rollup").FirstOrDefault(l => l.StartsWith("Pss:", StringComparison.Ordinal));
            return line is null ? 0 : Kilobytes(line) * 1024;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }

    /// <summary>/proc/PID/stat's fields after the command name: [0] state, [1] ppid, ..., [11] utime, [12] stime.</summary>
    private static string[]? StatFields(int pid)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{pid}/stat");
            var end = text.LastIndexOf(')');
            return end < 0 ? null : text[(end + 2)..].Split(' ');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static long Kilobytes(string line) =>
        long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
}
