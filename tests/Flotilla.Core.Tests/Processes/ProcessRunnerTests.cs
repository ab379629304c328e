using Flotilla.Processes;
using Flotilla.Tests.Support;
using static Flotilla.Core.Tests.Processes.Pids;

namespace Flotilla.Core.Tests.Processes;

public sealed class ProcessRunnerTests
{
    [Fact]
    public async Task Standard_input_reaches_the_program_and_not_its_arguments()
    {
        var result = await ProcessRunner.RunAsync("sh", ["-c", "cat; echo \"args: $*\""], null, "secret\n", null);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("secret\nargs: \n", result.StandardOutput);
    }

    [Fact]
    public async Task Every_line_of_stdout_and_stderr_is_reported_as_it_arrives()
    {
        var lines = new List<string>();

        var result = await ProcessRunner.RunAsync("sh", ["-c", "echo one; echo two >&2; echo three"], null, null, line => { lock (lines) { lines.Add(line); } });

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(["one", "three", "two"], lines.Order());
        Assert.Equal("one\nthree\n", result.StandardOutput);
        Assert.Equal("two\n", result.StandardError);
    }

    [Fact]
    public async Task A_program_that_ignores_its_input_still_finishes()
    {
        var result = await ProcessRunner.RunAsync("true", [], null, new string('x', 1 << 20), null);

        Assert.Equal(0, result.ExitCode);
    }

    [Fact]
    public async Task The_program_leads_a_process_group_of_its_own()
    {
        // Field 5 of /proc/PID/stat is the process group.
        var result = await ProcessRunner.RunAsync("sh", ["-c", "echo $$; cut -d' ' -f5 /proc/$$/stat"]);

        var lines = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(lines[0], lines[1]);
        Assert.NotEqual(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), lines[1]);
    }

    [Fact]
    public async Task A_timeout_kills_the_whole_group_also_a_child_its_parent_does_not_wait_for()
    {
        using var directory = new TempDirectory();
        var childFile = Path.Combine(directory.Path, "child");

        // The child's parent (a subshell) is gone, so it is no longer in the program's process
        // tree: only a kill of the group takes it.
        var result = await ProcessRunner.RunAsync(
            new ProcessCommand("sh", ["-c", "(sleep 300 >/dev/null 2>&1 & echo $! > \"$1\"); echo started; sleep 300", "sh", childFile]) { Timeout = TimeSpan.FromSeconds(2) });

        Assert.True(result.TimedOut);
        Assert.Equal("started\n", result.StandardOutput);
        Assert.False(Running(int.Parse(await File.ReadAllTextAsync(childFile), System.Globalization.CultureInfo.InvariantCulture)), "the background child outlived the timeout's kill");
    }

    [Fact]
    public async Task A_cancelled_run_kills_the_whole_group_and_says_it_was_cancelled()
    {
        using var directory = new TempDirectory();
        var childFile = Path.Combine(directory.Path, "child");
        using var cancel = new CancellationTokenSource();

        var run = ProcessRunner.RunAsync(
            new ProcessCommand("sh", ["-c", "(sleep 300 >/dev/null 2>&1 & echo $! > \"$1\"); echo started; sleep 300", "sh", childFile])
            {
                OnLine = async (_, line) =>
                {
                    if (line == "started")
                    {
                        await cancel.CancelAsync();
                    }
                },
            },
            cancel.Token);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        Assert.False(Running(int.Parse(await File.ReadAllTextAsync(childFile), System.Globalization.CultureInfo.InvariantCulture)), "the background child outlived the cancellation");
    }

    [Fact]
    public async Task A_program_that_exits_leaving_a_child_on_its_output_ends_with_its_own_output_and_the_child_is_left_alone()
    {
        using var directory = new TempDirectory();
        var childFile = Path.Combine(directory.Path, "child");
        var child = 0;
        try
        {
            // Without a bound this run would wait 300 s for the child to close the pipe it inherited.
            var run = ProcessRunner.RunAsync("sh", ["-c", "sleep 300 & echo $! > \"$1\"; echo done", "sh", childFile]);

            var finished = await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(60)));
            Assert.Same(run, finished);
            Assert.Equal("done\n", (await run).StandardOutput);
            child = int.Parse(await File.ReadAllTextAsync(childFile), System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(Running(child), "a process the program left behind was killed when the program ended");
        }
        finally
        {
            if (child > 0)
            {
                ProcessGroups.SignalProcess(child, ProcessSignal.Kill);
            }
        }
    }

    [Fact]
    public async Task Both_streams_reach_the_line_callback_tagged_one_line_at_a_time()
    {
        var lines = new List<(ProcessStream, string)>();
        var inside = 0;

        var result = await ProcessRunner.RunAsync(
            new ProcessCommand("sh", ["-c", "for i in 1 2 3 4 5; do echo out$i; echo err$i >&2; done"])
            {
                Collect = false,
                OnLine = async (stream, line) =>
                {
                    Assert.Equal(1, Interlocked.Increment(ref inside));
                    await Task.Yield();
                    lines.Add((stream, line));
                    Interlocked.Decrement(ref inside);
                },
            });

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("", result.StandardOutput);
        Assert.Equal(Enumerable.Range(1, 5).Select(i => (ProcessStream.Output, "out" + i)), lines.Where(l => l.Item1 == ProcessStream.Output));
        Assert.Equal(Enumerable.Range(1, 5).Select(i => (ProcessStream.Error, "err" + i)), lines.Where(l => l.Item1 == ProcessStream.Error));
    }

    [Fact]
    public async Task A_slow_receiver_gets_every_line_also_those_read_long_after_the_program_exited()
    {
        var received = new List<string>();

        // 200 lines at 20 ms each: the program is long gone (its output waiting in the pipe)
        // while the receiver still works through it, for longer than the quiet-pipe grace.
        var result = await ProcessRunner.RunAsync(
            new ProcessCommand("sh", ["-c", "i=1; while [ $i -le 200 ]; do echo line$i; i=$((i+1)); done"])
            {
                OnLine = async (_, line) =>
                {
                    await Task.Delay(20);
                    received.Add(line);
                },
            });

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(Enumerable.Range(1, 200).Select(i => "line" + i), received);
    }

    [Fact]
    public async Task A_program_that_does_not_exist_cannot_be_started()
    {
        var error = await Assert.ThrowsAsync<System.ComponentModel.Win32Exception>(() => ProcessRunner.RunAsync("flotilla-no-such-program", []));

        Assert.Contains("flotilla-no-such-program", error.Message, StringComparison.Ordinal);
    }
}
