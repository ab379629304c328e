using System.Collections.Immutable;
using Flotilla.Cli.Commands;
using Flotilla.Execution;
using Flotilla.Planning;

namespace Flotilla.Tests;

/// <summary><c>deploy --resume</c> goes on with the settings its run was started with, not today's defaults (issue 16).</summary>
public sealed class ResumeOptionsTests
{
    private static readonly DeployRequest Defaults = new(null, new Selection(), new DeployOptions(), new SchedulerOptions(), Json: false);

    private static readonly ImmutableSortedDictionary<string, string> Recorded = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, new Dictionary<string, string>
    {
        ["goal"] = "boot",
        ["confirm-timeout"] = "45s",
        ["parallel"] = "2",
        ["fail-fast"] = "true",
        ["batch-size"] = "25%",
        ["max-fail"] = "12.5",
        ["force"] = "true",
    });

    [Fact]
    public void A_resumed_run_takes_the_settings_its_journal_recorded()
    {
        var resumed = DeployRunner.WithRunOptions(Defaults, Recorded, new HashSet<string>());

        Assert.Equal((ActivationGoal.Boot, TimeSpan.FromSeconds(45), true), (resumed.Options.Goal, resumed.Options.ConfirmTimeout, resumed.Options.Force));
        Assert.Equal((2, true, "25%", (double?)12.5), (resumed.Scheduler.Parallel, resumed.Scheduler.FailFast, resumed.Scheduler.BatchSize?.ToString(), resumed.Scheduler.MaxFailPercent));
    }

    [Fact]
    public void What_the_command_line_names_again_wins_over_the_journal()
    {
        var request = Defaults with { Options = new DeployOptions { ConfirmTimeout = TimeSpan.FromSeconds(90) }, Scheduler = new SchedulerOptions { Parallel = 7 } };

        var resumed = DeployRunner.WithRunOptions(request, Recorded, new HashSet<string> { "confirm-timeout", "parallel" });

        Assert.Equal((TimeSpan.FromSeconds(90), 7), (resumed.Options.ConfirmTimeout, resumed.Scheduler.Parallel));
        Assert.Equal(ActivationGoal.Boot, resumed.Options.Goal);
    }

    [Fact]
    public void A_run_recorded_without_a_batch_size_or_max_fail_resumes_without_them()
    {
        var request = Defaults with { Scheduler = new SchedulerOptions { MaxFailPercent = 50 } };

        var resumed = DeployRunner.WithRunOptions(request, Recorded.SetItem("batch-size", "").SetItem("max-fail", ""), new HashSet<string>());

        Assert.Null(resumed.Scheduler.BatchSize);
        Assert.Null(resumed.Scheduler.MaxFailPercent);
    }
}
