using System.Diagnostics;
using Flotilla.Execution.Tests.Doubles;

namespace Flotilla.Execution.Tests;

/// <summary>A real orchestrator process killed with SIGKILL in the middle of a step, then read back and resumed.</summary>
public sealed class KillTests : IDisposable
{
    private readonly TempDirectory _state = new();

    public void Dispose() => _state.Dispose();

    [Fact]
    public async Task A_run_killed_with_sigkill_loses_nothing_it_wrote_and_resumes_from_the_interrupted_activation()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Flotilla.Execution.KillHelper.dll"));
        start.ArgumentList.Add(_state.Path);
        using var process = Process.Start(start)!;
        var id = await process.StandardOutput.ReadLineAsync(timeout.Token);
        Assert.Equal("hanging", await process.StandardOutput.ReadLineAsync(timeout.Token));

        process.Kill(); // SIGKILL on Linux: no finally blocks, no flushing
        await process.WaitForExitAsync(timeout.Token);

        await using var journal = await RunJournal.OpenAsync(_state.Path, id!, timeout.Token);
        var states = journal.Steps.ToDictionary(s => s.Id, s => s.State);
        Assert.Equal(StepState.Succeeded, states["verify:a"]);
        Assert.Equal(StepState.Succeeded, states["copy:b"]);
        Assert.True(journal.Steps.Single(s => s.Id == "activate:b").Interrupted);
        Assert.Equal(StepState.Pending, states["verify:b"]);
        Assert.Null(journal.Result);
        Assert.EndsWith("activate:b | output of activate:b", (await File.ReadAllLinesAsync(journal.LogPath("b"), timeout.Token))[^1], StringComparison.Ordinal);

        var executor = new ScriptedExecutor();
        var fleet = Fleets.Of(Fleets.Host("a"), Fleets.Host("b", null, "a"));
        var summary = await new RunScheduler().RunAsync(journal.Plan, fleet, executor, new SchedulerOptions { CompletedSteps = RunResume.CompletedSteps(journal) }, journal, null, timeout.Token);

        Assert.Equal(["activate:b", "verify:b"], executor.Started);
        Assert.Equal(RunExitCodes.Success, summary.ExitCode);
    }
}
