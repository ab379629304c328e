using System.Globalization;
using Flotilla.Processes;
using Flotilla.Tests.Support;
using static Flotilla.Core.Tests.Processes.Pids;

namespace Flotilla.Core.Tests.Processes;

/// <summary>The one seam for daemons: a program started detached runs in its own group, writes to its log, and signalling the group stops it with every process it started.</summary>
public sealed class ProcessGroupTests
{
    [Fact]
    public async Task A_detached_program_logs_to_its_file_and_killing_its_group_takes_its_children_with_it()
    {
        using var dir = new TempDirectory();
        var log = Path.Combine(dir.Path, "daemon.log");
        var childFile = Path.Combine(dir.Path, "child");
        var pid = DetachedProcess.Start(["/bin/sh", "-c", "echo started; sleep 300 & echo $! > \"$1\"; wait", "sh", childFile], log);
        var child = 0;
        try
        {
            for (var attempt = 0; attempt < 100 && !(File.Exists(childFile) && int.TryParse((await File.ReadAllTextAsync(childFile)).Trim(), CultureInfo.InvariantCulture, out child)); attempt++)
            {
                await Task.Delay(50);
            }

            Assert.True(child > 0, "the daemon did not start its child");
            Assert.True(ProcessGroups.IsAlive(pid) && ProcessGroups.IsAlive(child));
            Assert.Contains("started", await File.ReadAllTextAsync(log), StringComparison.Ordinal);

            Assert.True(ProcessGroups.Signal(pid, ProcessSignal.Kill));
            for (var attempt = 0; attempt < 100 && (Running(pid) || Running(child)); attempt++)
            {
                await Task.Delay(50);
            }

            Assert.False(Running(child), "the daemon's child outlived its group's kill");
            Assert.False(Running(pid), "the daemon outlived its group's kill");
        }
        finally
        {
            // Whatever the assertions said, nothing is left running.
            ProcessGroups.Signal(pid, ProcessSignal.Kill);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(-1)]
    public void Pid_0_1_and_negative_ones_are_refused_they_would_signal_this_group_init_or_everything(int pid)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ProcessGroups.Signal(pid, ProcessSignal.Terminate));
        Assert.Throws<ArgumentOutOfRangeException>(() => ProcessGroups.SignalProcess(pid, ProcessSignal.Terminate));
    }
}
