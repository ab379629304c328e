using System.Diagnostics;

namespace Flotilla.Processes;

/// <summary>
/// Long-lived programs started detached, as daemons: in a session (and process group) of their
/// own, input from /dev/null, both streams appended to a log file, outliving whoever started them
/// (the demo's server and agents, the lab's registry). Stopped by signalling their whole group
/// (<see cref="ProcessGroups"/>).
/// Argument lists only: the program and its arguments reach it unchanged. Linux.
/// </summary>
public static class DetachedProcess
{
    /// <summary>The shell line that redirects and then execs the program in place (its words are positional parameters, never parsed).</summary>
    private const string Detach = "log=$1; shift; exec \"$@\" >>\"$log\" 2>&1 </dev/null";

    /// <summary>
    /// Starts <paramref name="argv"/> detached with its output appended to <paramref name="logFile"/>
    /// and returns its pid, which is also its session's and process group's id (setsid execs in place).
    /// </summary>
    public static int Start(IReadOnlyList<string> argv, string logFile, IReadOnlyDictionary<string, string>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(argv);
        ArgumentException.ThrowIfNullOrEmpty(logFile);
        if (argv.Count == 0)
        {
            throw new ArgumentException("a program to start", nameof(argv));
        }

        var startInfo = new ProcessStartInfo("setsid") { UseShellExecute = false };
        foreach (var argument in (string[])["/bin/sh", "-c", Detach, "sh", logFile, .. argv])
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            startInfo.Environment[name] = value;
        }

        using var process = Process.Start(startInfo) ?? throw new InvalidOperationException("cannot start " + argv[0]);
        return process.Id;
    }
}
