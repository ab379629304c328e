using System.Globalization;
using System.Runtime.InteropServices;

namespace Flotilla.Processes;

/// <summary>Process groups: a program started in its own session (setsid) is its group's leader, and signalling the group reaches every process it started. Linux.</summary>
public static partial class ProcessGroups
{
    /// <summary>Whether a process with this pid exists (it may be a zombie until its parent reaps it).</summary>
    public static bool IsAlive(int pid) => File.Exists($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/cmdline");

    /// <summary>Sends <paramref name="signal"/> (15 TERM, 9 KILL) to every process of the group <paramref name="groupId"/>; false when there is no such group.</summary>
    public static bool Signal(int groupId, int signal)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(groupId);
        return OperatingSystem.IsLinux() && Kill(-groupId, signal) == 0;
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
