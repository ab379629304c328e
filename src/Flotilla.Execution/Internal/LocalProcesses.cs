using System.Globalization;

namespace Flotilla.Execution.Internal;

/// <summary>
/// Tells whether the process that holds a lease is gone, where this machine can tell: the same
/// machine, boot and pid namespace, and no process with that pid and start time. Anything it
/// cannot read or compare counts as "cannot tell" (the lease then lasts its TTL). Linux's /proc.
/// </summary>
internal static class LocalProcesses
{
    private static readonly Lazy<HolderProcess?> Self = new(() => Read(Environment.ProcessId, "self"));

    /// <summary>This process, or null where /proc cannot say.</summary>
    public static HolderProcess? Current => Self.Value;

    public static bool IsGone(HolderProcess? holder)
    {
        if (holder is null || Current is not { } self
            || holder.Machine != self.Machine || holder.BootId != self.BootId || holder.PidNamespace != self.PidNamespace)
        {
            return false;
        }

        if (!File.Exists($"/proc/{holder.Pid.ToString(CultureInfo.InvariantCulture)}/stat"))
        {
            return true;
        }

        // The pid may have been given to another process since: its start time differs.
        return StartTicks(holder.Pid.ToString(CultureInfo.InvariantCulture)) is { } ticks && ticks != holder.StartTicks;
    }

    private static HolderProcess? Read(int pid, string proc)
    {
        try
        {
            var bootId = File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim();
            var pidNamespace = new FileInfo($"/proc/{proc}/ns/pid").LinkTarget;
            return StartTicks(proc) is { } ticks && pidNamespace is not null
                ? new HolderProcess(Environment.MachineName, bootId, pidNamespace, pid, ticks)
                : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Field 22 of /proc/PID/stat: when the process started, in clock ticks after boot.</summary>
    private static long? StartTicks(string proc)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{proc}/stat");
            // The command name (field 2) is in parentheses and may hold spaces: count from after it.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return fields.Length > 19 && long.TryParse(fields[19], NumberStyles.Integer, CultureInfo.InvariantCulture, out var ticks) ? ticks : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
