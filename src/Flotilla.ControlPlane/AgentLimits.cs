using System.Runtime.InteropServices;

namespace Flotilla.ControlPlane;

/// <summary>How many agents a server takes by default: what its open-file limit leaves after the files it needs itself.</summary>
public static partial class AgentLimits
{
    /// <summary>
    /// Files the server keeps for itself whatever its limit: about 250 are open when it idles
    /// (its assemblies, logs, pipes, listeners), and the store (three per SQLite connection),
    /// the dashboard's and API's clients and the inventory's evaluation need more.
    /// </summary>
    public const int MinimumReserve = 512;

    /// <summary>The most agents any default allows (an unlimited open-file limit is not unlimited memory).</summary>
    public const int Ceiling = 1_000_000;

    /// <summary>
    /// The default of <see cref="ControlPlaneOptions.MaxAgents"/> for a process allowed
    /// <paramref name="openFiles"/> open files: each agent holds one socket, and a tenth of the
    /// files (at least <see cref="MinimumReserve"/>) stay for the server's own.
    /// </summary>
    public static int FromOpenFileLimit(long openFiles)
    {
        if (openFiles <= MinimumReserve)
        {
            return 0;
        }

        var reserve = Math.Max(MinimumReserve, openFiles / 10);
        return (int)Math.Min(Ceiling, openFiles - reserve);
    }

    /// <summary>This process's open-file limit (the soft RLIMIT_NOFILE, which .NET raises to the hard one at start); null where it cannot be read.</summary>
    public static long? OpenFileLimit()
    {
        var resource = OperatingSystem.IsLinux() ? 7 : OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD() ? 8 : -1;
        if (resource < 0 || GetRLimit(resource, out var limit) != 0)
        {
            return null;
        }

        return limit.Current > long.MaxValue ? long.MaxValue : (long)limit.Current;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    [LibraryImport("libc", EntryPoint = "getrlimit", SetLastError = true)]
    private static partial int GetRLimit(int resource, out RLimit limit);
}
