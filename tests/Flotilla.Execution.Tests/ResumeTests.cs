using Microsoft.Extensions.Time.Testing;
using Flotilla.Execution.Tests.Doubles;
using Flotilla.Planning;

namespace Flotilla.Execution.Tests;

public sealed class ResumeTests : IDisposable
{
    private readonly TempDirectory _state = new();

    public void Dispose() => _state.Dispose();

    [Fact]
    public async Task Resuming_skips_succeeded_steps_and_redoes_an_interrupted_activation()
    {
        var fleet = Fleets.Of(Fleets.Host("confirmed"), Fleets.Host("killed"), Fleets.Host("rolledback"));
        var plan = Fleets.Deploy(fleet);
        var time = Clocks.New();
        string id;
        await using (var journal = await RunJournal.CreateAsync(_state.Path, plan, new RunMetadata(Operation.Deploy, null), time))
        {
            id = journal.Id;
            foreach (var step in plan.Steps)
            {
                var last = step.Id switch
                {
                    "activate:killed" => RunEventState.Started,
                    "verify:killed" => (RunEventState?)null,
                    "verify:rolledback" => RunEventState.RolledBack,
                    _ => RunEventState.Succeeded,
                };
                if (last is { } state)
                {
                    await journal.AppendAsync(new RunEvent(time.GetUtcNow(), step.Host, step.Id, step.Kind, RunEventState.Started, null));
                    if (state != RunEventState.Started)
                    {
                        await journal.AppendAsync(new RunEvent(time.GetUtcNow(), step.Host, step.Id, step.Kind, state, null));
                    }
                }
            }
        }

        await using var resumed = await RunJournal.OpenAsync(_state.Path, id);
        var done = RunResume.CompletedSteps(resumed);
        var executor = new ScriptedExecutor();
        var summary = await new RunScheduler(time).RunAsync(resumed.Plan, fleet, executor, new SchedulerOptions { CompletedSteps = done }, resumed);

        Assert.Equal(["activate:killed", "activate:rolledback", "verify:killed", "verify:rolledback"], executor.Started.Order(StringComparer.Ordinal));
        Assert.Equal(RunExitCodes.Success, summary.ExitCode);
        Assert.All(resumed.Steps, s => Assert.Equal(StepState.Succeeded, s.State));
        Assert.Equal(RunExitCodes.Success, resumed.Result?.ExitCode);
    }

    [Fact]
    public void Keys_and_post_activation_steps_of_an_unconfirmed_host_are_redone_but_its_build_is_not()
    {
        var fleet = Fleets.Of(Fleets.Host("a") with
        {
            Keys =
            [
                new Inventory.Key { Name = "token", Source = Inventory.KeySourceKind.Text, Value = "x" },
                new Inventory.Key { Name = "late", Source = Inventory.KeySourceKind.Text, Value = "y", UploadAt = Inventory.KeyUploadAt.PostActivation },
            ],
        });
        var plan = Fleets.Deploy(fleet);
        var steps = plan.Steps.Select(s => new JournaledStep(s.Id, s.Id == "verify:a" ? StepState.Running : StepState.Succeeded, null, null, null)).ToList();

        var done = RunResume.CompletedSteps(plan, steps);

        Assert.Equal(["build:a", "copy:a"], done.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_resumed_run_is_unfinished_until_it_ends_again()
    {
        var fleet = Fleets.Of(Fleets.Host("a"));
        var (summary, journal) = await Fleets.RunAsync(_state, fleet, new ScriptedExecutor().Ends("activate:a", StepResult.RolledBack("unhealthy")));
        await journal.DisposeAsync();
        await using var resumed = await RunJournal.OpenAsync(_state.Path, summary.RunId);
        var executor = new ScriptedExecutor().On("activate:a", async (_, _, _) =>
        {
            var listing = (await RunJournal.ListAsync(_state.Path)).Single();
            Assert.Equal(RunStatus.Unfinished, listing.Status);
            return StepResult.Succeeded();
        });

        var again = await new RunScheduler(Clocks.New()).RunAsync(resumed.Plan, fleet, executor, new SchedulerOptions { CompletedSteps = RunResume.CompletedSteps(resumed) }, resumed);

        Assert.Equal(RunExitCodes.Success, again.ExitCode);
        Assert.Equal(RunStatus.Succeeded, (await RunJournal.ListAsync(_state.Path)).Single().Status);
    }
}
