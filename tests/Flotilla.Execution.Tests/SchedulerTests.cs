using Flotilla.Execution.Tests.Doubles;
using Flotilla.Planning;

namespace Flotilla.Execution.Tests;

public sealed class SchedulerTests : IDisposable
{
    private readonly TempDirectory _state = new();

    public void Dispose() => _state.Dispose();

    [Fact]
    public async Task Steps_start_only_after_what_they_depend_on_succeeded_and_never_more_than_parallel_at_once()
    {
        var fleet = Fleets.Of(
            Fleets.Host("db"),
            Fleets.Host("cache"),
            Fleets.Host("api", null, "db", "cache"),
            Fleets.Host("web", null, "api"),
            Fleets.Host("a"),
            Fleets.Host("b"),
            Fleets.Host("c"));
        var executor = new ScriptedExecutor { Delay = TimeSpan.FromMilliseconds(20) };

        var (summary, journal) = await Fleets.RunAsync(_state, fleet, executor, new SchedulerOptions { Parallel = 3 });
        await using var _ = journal;

        Assert.Equal(RunExitCodes.Success, summary.ExitCode);
        foreach (var step in Fleets.Deploy(fleet).Steps)
        {
            foreach (var dependency in step.DependsOn)
            {
                Assert.True(executor.FinishedAt[dependency] < executor.StartedAt[step.Id], $"{step.Id} started before {dependency} ended");
            }
        }

        Assert.InRange(executor.MaxRunning, 2, 3);
    }

    [Fact]
    public async Task A_failed_host_holds_back_its_dependents_while_independent_hosts_finish()
    {
        var fleet = Fleets.Of(Fleets.Host("db"), Fleets.Host("web", null, "db"), Fleets.Host("mail"));
        var executor = new ScriptedExecutor().Ends("activate:db", StepResult.RolledBack("switch-to-configuration exited with 4"));

        var (summary, journal) = await Fleets.RunAsync(_state, fleet, executor);
        await using var _ = journal;

        Assert.Equal(StepState.RolledBack, summary.Step("activate:db").State);
        Assert.Equal(StepState.Skipped, summary.Step("verify:db").State);
        Assert.Equal(StepState.Skipped, summary.Step("activate:web").State);
        Assert.Equal("holds back: db failed at activate:db", summary.Step("activate:web").Message);
        Assert.Equal("holds back: db failed at activate:db", summary.Step("verify:web").Message);
        Assert.Equal(StepState.Succeeded, summary.Step("copy:web").State);
        Assert.Equal(StepState.Succeeded, summary.Step("verify:mail").State);
        Assert.DoesNotContain("activate:web", executor.Started);
        Assert.Equal(RunExitCodes.Failed, summary.ExitCode);
        Assert.Equal<string>(["db"], summary.FailedHosts);
    }

    [Fact]
    public async Task Fail_fast_starts_nothing_after_the_first_failure()
    {
        var fleet = Fleets.Of(Fleets.Host("a"), Fleets.Host("b"), Fleets.Host("c"));
        var executor = new ScriptedExecutor().Ends("build:a", StepResult.Failed("nix build failed"));

        var (summary, journal) = await Fleets.RunAsync(_state, fleet, executor, new SchedulerOptions { Parallel = 1, FailFast = true });
        await using var _ = journal;

        Assert.Equal(["build:a"], executor.Started);
        Assert.Equal("holds back: a failed at build:a", summary.Step("copy:a").Message);
        Assert.Equal(StepState.Skipped, summary.Step("build:b").State);
        Assert.Equal("fail-fast", summary.Step("build:b").Message);
        Assert.Equal("fail-fast", summary.Step("verify:c").Message);
    }

    [Fact]
    public async Task Without_fail_fast_independent_hosts_go_on_after_a_failure()
    {
        var fleet = Fleets.Of(Fleets.Host("a"), Fleets.Host("b"));
        var executor = new ScriptedExecutor().Ends("build:a", StepResult.Failed("nix build failed"));

        var (summary, journal) = await Fleets.RunAsync(_state, fleet, executor, new SchedulerOptions { Parallel = 1 });
        await using var _ = journal;

        Assert.Equal(StepState.Succeeded, summary.Step("verify:b").State);
    }

    [Fact]
    public async Task Batches_of_two_out_of_five_hosts_activate_one_batch_after_the_other()
    {
        string[] hosts = ["w1", "w2", "w3", "w4", "w5"];
        var fleet = Fleets.Of([.. hosts.Select(h => Fleets.Host(h, "web"))]);
        var executor = new ScriptedExecutor();
        foreach (var host in hosts)
        {
            executor.On("verify:" + host, async (_, _, ct) =>
            {
                await Task.Delay(10, ct);
                return StepResult.Succeeded();
            });
        }

        var (summary, journal) = await Fleets.RunAsync(_state, fleet, executor, new SchedulerOptions { BatchSize = BatchSize.Hosts(2) });
        await using var _ = journal;

        Assert.Equal(RunExitCodes.Success, summary.ExitCode);
        string[][] batches = [["w1", "w2"], ["w3", "w4"], ["w5"]];
        for (var k = 1; k < batches.Length; k++)
        {
            var previousDone = batches[k - 1].Max(h => executor.FinishedAt["verify:" + h]);
            Assert.All(batches[k], h => Assert.True(executor.StartedAt["activate:" + h] > previousDone, $"{h} activated before batch {k - 1} was verified"));
        }
    }

    [Fact]
    public async Task Past_max_fail_the_rest_of_the_group_is_skipped_and_other_groups_go_on()
    {
        string[] hosts = ["w1", "w2", "w3", "w4", "w5"];
        var fleet = Fleets.Of([.. hosts.Select(h => Fleets.Host(h, "web")), Fleets.Host("db1", "db")]);
        var executor = new ScriptedExecutor()
            .Ends("verify:w1", StepResult.RolledBack("http://w1/health answered 500"))
            .Ends("verify:w2", StepResult.RolledBack("http://w2/health answered 500"));

        var (summary, journal) = await Fleets.RunAsync(_state, fleet, executor, new SchedulerOptions { BatchSize = BatchSize.Hosts(1), MaxFailPercent = 20 });
        await using var _ = journal;

        Assert.Equal(StepState.RolledBack, summary.Step("verify:w2").State);
        foreach (var host in new[] { "w3", "w4", "w5" })
        {
            Assert.DoesNotContain("activate:" + host, executor.Started);
            Assert.Equal(StepState.Skipped, summary.Step("activate:" + host).State);
            Assert.Equal("max-fail: 2 of 5 hosts in group \"web\" failed, more than 20%", summary.Step("activate:" + host).Message);
        }

        Assert.Equal(StepState.Succeeded, summary.Step("verify:db1").State);
    }

    [Fact]
    public async Task A_failure_within_max_fail_lets_the_next_batch_go_on()
    {
        string[] hosts = ["w1", "w2", "w3"];
        var fleet = Fleets.Of([.. hosts.Select(h => Fleets.Host(h, "web"))]);
        var executor = new ScriptedExecutor().Ends("verify:w1", StepResult.RolledBack("unhealthy"));

        var (summary, journal) = await Fleets.RunAsync(_state, fleet, executor, new SchedulerOptions { BatchSize = BatchSize.Hosts(1), MaxFailPercent = 50 });
        await using var _ = journal;

        Assert.Equal(StepState.Succeeded, summary.Step("verify:w3").State);
    }

    [Fact]
    public async Task Cancelling_fails_the_running_step_and_skips_the_rest()
    {
        var fleet = Fleets.Of(Fleets.Host("a"), Fleets.Host("b", null, "a"));
        using var cancel = new CancellationTokenSource();
        var executor = new ScriptedExecutor().On("activate:a", async (_, _, ct) =>
        {
            await cancel.CancelAsync();
            await Task.Delay(Timeout.Infinite, ct);
            return StepResult.Succeeded();
        });

        var (summary, journal) = await Fleets.RunAsync(_state, fleet, executor, cancellationToken: cancel.Token);
        await using var _ = journal;

        Assert.True(summary.Cancelled);
        Assert.Equal(StepState.Failed, summary.Step("activate:a").State);
        Assert.Equal("cancelled", summary.Step("activate:a").Message);
        Assert.Equal(StepState.Skipped, summary.Step("verify:a").State);
        Assert.Equal(RunExitCodes.Failed, summary.ExitCode);
        Assert.Equal(StepState.Failed, journal.Steps.Single(s => s.Id == "activate:a").State);
    }

    [Fact]
    public async Task An_executor_that_throws_fails_its_step_and_the_run_goes_on()
    {
        var fleet = Fleets.Of(Fleets.Host("a"), Fleets.Host("b"));
        var executor = new ScriptedExecutor().On("copy:a", (_, _, _) => throw new InvalidOperationException("no route to host"));

        var (summary, journal) = await Fleets.RunAsync(_state, fleet, executor);
        await using var _ = journal;

        Assert.Equal(StepState.Failed, summary.Step("copy:a").State);
        Assert.Contains("no route to host", summary.Step("copy:a").Message, StringComparison.Ordinal);
        Assert.Equal(StepState.Succeeded, summary.Step("verify:b").State);
    }

    [Fact]
    public async Task Exit_codes_are_0_when_all_is_well_1_when_a_host_rolled_back_and_3_when_a_rollback_failed()
    {
        var fleet = Fleets.Of(Fleets.Host("a"), Fleets.Host("b"));

        var (good, j1) = await Fleets.RunAsync(_state, fleet, new ScriptedExecutor());
        var (rolledBack, j2) = await Fleets.RunAsync(_state, fleet, new ScriptedExecutor().Ends("activate:a", StepResult.RolledBack("unhealthy")));
        var (attention, j3) = await Fleets.RunAsync(_state, fleet, new ScriptedExecutor()
            .Ends("activate:a", StepResult.RolledBack("unhealthy"))
            .Ends("activate:b", StepResult.NeedsAttention("rollback failed: the previous generation did not activate")));
        await j1.DisposeAsync();
        await j2.DisposeAsync();
        await j3.DisposeAsync();

        Assert.Equal(0, good.ExitCode);
        Assert.Equal(1, rolledBack.ExitCode);
        Assert.Equal(3, attention.ExitCode);
    }

    [Fact]
    public async Task Output_lines_reach_the_host_log_and_the_observer()
    {
        var fleet = Fleets.Of(Fleets.Host("a"));
        var executor = new ScriptedExecutor().On("activate:a", (step, context, _) =>
        {
            context.Output.Line(step, "starting sshd.service\nstarting nginx.service");
            return Task.FromResult(StepResult.Succeeded());
        });
        var observer = new RecordingObserver();

        var (_, journal) = await Fleets.RunAsync(_state, fleet, executor, observer: observer);
        await using var _ = journal;

        var log = await File.ReadAllLinesAsync(journal.LogPath("a"));
        Assert.Equal(
            ["2026-11-22T14:30:05.000Z activate:a | starting sshd.service", "2026-11-22T14:30:05.000Z activate:a | starting nginx.service"],
            log);
        Assert.NotNull(observer.Summary);
        Assert.Equal(journal.Plan.Steps.Length * 2, observer.Events.Count);
    }

    [Fact]
    public async Task A_plan_that_is_not_the_journal_s_plan_is_refused()
    {
        var fleet = Fleets.Of(Fleets.Host("a"));
        var other = Fleets.Deploy(Fleets.Of(Fleets.Host("b")));
        await using var journal = await RunJournal.CreateAsync(_state.Path, Fleets.Deploy(fleet), new RunMetadata(Operation.Deploy, null));

        await Assert.ThrowsAsync<ArgumentException>(() => new RunScheduler().RunAsync(other, fleet, new ScriptedExecutor(), new SchedulerOptions(), journal));
    }

    [Fact]
    public async Task Batches_across_groups_with_hosts_depending_on_other_groups_finish_in_order()
    {
        var hosts = Enumerable.Range(0, 60)
            .Select(i => Fleets.Host($"h{i:00}", $"g{i % 3}", i >= 7 ? [$"h{i - 7:00}"] : []))
            .ToArray();
        var fleet = Fleets.Of(hosts);
        var plan = Fleets.Deploy(fleet);
        var executor = new ScriptedExecutor();

        var (summary, journal) = await Fleets.RunAsync(_state, fleet, executor, new SchedulerOptions { Parallel = 4, BatchSize = BatchSize.Percent(25) });
        await using var _ = journal;

        Assert.Equal(RunExitCodes.Success, summary.ExitCode);
        Assert.InRange(executor.MaxRunning, 1, 4);
        foreach (var group in hosts.GroupBy(h => h.Tags[0]))
        {
            var ordered = group.OrderBy(h => plan.Steps.IndexOf(plan.Steps.Single(s => s.Id == "activate:" + h.Name))).Select(h => h.Name).ToList();
            var batches = ordered.Chunk(5).ToList();
            for (var k = 1; k < batches.Count; k++)
            {
                var previousDone = batches[k - 1].Max(h => executor.FinishedAt["verify:" + h]);
                Assert.All(batches[k], h => Assert.True(executor.StartedAt["activate:" + h] > previousDone, $"{h} activated before batch {k - 1} of {group.Key} was verified"));
            }
        }
    }

    [Fact]
    public async Task An_observer_whose_pipe_closed_is_dropped_and_the_run_goes_on()
    {
        var fleet = Fleets.Of(Fleets.Host("a"));

        var (summary, journal) = await Fleets.RunAsync(_state, fleet, new ScriptedExecutor(), observer: new BrokenPipeObserver());
        await using var _ = journal;

        Assert.Equal(RunExitCodes.Success, summary.ExitCode);
        Assert.All(journal.Steps, s => Assert.Equal(StepState.Succeeded, s.State));
    }

    private sealed class BrokenPipeObserver : IRunObserver
    {
        public void OnEvent(RunEvent runEvent) => throw new IOException("Broken pipe");
    }
}
