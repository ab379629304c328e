using System.Globalization;
using System.Runtime.InteropServices;

namespace Flotilla.Processes;

/// <summary>The signals Flotilla sends.</summary>
public enum ProcessSignal
{
    /// <summary>SIGKILL: ends the process at once.</summary>
    Kill = 9,

    /// <summary>SIGTERM: asks the process to end.</summary>
    Terminate = 15,
}

/// <summary>
/// Signals processes and process groups with kill(2), without starting <c>kill</c>: a program
/// started in its own session (setsid) is its group's leader, and signalling the group reaches
/// every process it started. Linux.
/// </summary>
public static partial class ProcessGroups
{
    /// <summary>Whether a process with this pid exists (it may be a zombie until its parent reaps it).</summary>
    public static bool IsAlive(int pid) => File.Exists($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/cmdline");

    /// <summary>Sends <paramref name="signal"/> to every process of the group <paramref name="groupId"/>; false when there is no such group.</summary>
    public static bool Signal(int groupId, ProcessSignal signal)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(groupId, 1);
        return OperatingSystem.IsLinux() && Kill(-groupId, (int)signal) == 0;
    }

    /// <summary>Sends <paramref name="signal"/> to the one process <paramref name="pid"/>; false when there is no such process.</summary>
    public static bool SignalProcess(int pid, ProcessSignal signal)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(pid, 1);
        return OperatingSystem.IsLinux() && Kill(pid, (int)signal) == 0;
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
