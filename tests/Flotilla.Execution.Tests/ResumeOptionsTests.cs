using System.Collections.Immutable;
using Flotilla.Execution.Operations;
using Flotilla.Planning;

namespace Flotilla.Execution.Tests;

/// <summary><c>deploy --resume</c> goes on with the settings its run was started with, not today's defaults (issue 16).</summary>
public sealed class ResumeOptionsTests
{
    private static readonly DeployRequest Defaults = new(new Selection(), new DeployOptions(), new SchedulerOptions());

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
        var resumed = DeployOperation.WithRunOptions(Defaults, Recorded, new HashSet<string>());

        Assert.Equal((ActivationGoal.Boot, TimeSpan.FromSeconds(45), true), (resumed.Options.Goal, resumed.Options.ConfirmTimeout, resumed.Options.Force));
        Assert.Equal((2, true, "25%", (double?)12.5), (resumed.Scheduler.Parallel, resumed.Scheduler.FailFast, resumed.Scheduler.BatchSize?.ToString(), resumed.Scheduler.MaxFailPercent));
    }

    [Fact]
    public void What_the_command_line_names_again_wins_over_the_journal()
    {
        var request = Defaults with { Options = new DeployOptions { ConfirmTimeout = TimeSpan.FromSeconds(90) }, Scheduler = new SchedulerOptions { Parallel = 7 } };

        var resumed = DeployOperation.WithRunOptions(request, Recorded, new HashSet<string> { "confirm-timeout", "parallel" });

        Assert.Equal((TimeSpan.FromSeconds(90), 7), (resumed.Options.ConfirmTimeout, resumed.Scheduler.Parallel));
        Assert.Equal(ActivationGoal.Boot, resumed.Options.Goal);
    }

    [Fact]
    public void A_run_recorded_without_a_batch_size_or_max_fail_resumes_without_them()
    {
        var request = Defaults with { Scheduler = new SchedulerOptions { MaxFailPercent = 50 } };

        var resumed = DeployOperation.WithRunOptions(request, Recorded.SetItem("batch-size", "").SetItem("max-fail", ""), new HashSet<string>());

        Assert.Null(resumed.Scheduler.BatchSize);
        Assert.Null(resumed.Scheduler.MaxFailPercent);
    }

    [Fact]
    public void A_resumed_run_builds_with_the_substituters_and_terraform_its_journal_recorded_not_todays_defaults()
    {
        var started = Defaults with { Options = new DeployOptions { Substituters = "", Terraform = "/opt/tofu" } };
        var recorded = DeployOperation.RecordedOptions(started);

        var resumed = DeployOperation.WithRunOptions(Defaults, recorded, new HashSet<string>());

        Assert.Equal(("", "/opt/tofu"), (resumed.Options.Substituters, resumed.Options.Terraform));
    }

    [Fact]
    public void Substituters_the_run_left_to_nix_conf_stay_unset_and_the_command_line_can_name_them_again()
    {
        var recorded = DeployOperation.RecordedOptions(Defaults);
        var today = Defaults with { Options = new DeployOptions { Substituters = "https://cache.example" } };

        Assert.Null(DeployOperation.WithRunOptions(today, recorded, new HashSet<string>()).Options.Substituters);
        Assert.Equal("https://cache.example", DeployOperation.WithRunOptions(today, recorded, new HashSet<string> { "substituters" }).Options.Substituters);
    }

    [Fact]
    public void A_journal_written_before_substituters_were_recorded_resumes_with_what_the_command_line_says()
    {
        var today = Defaults with { Options = new DeployOptions { Substituters = "" } };

        Assert.Equal("", DeployOperation.WithRunOptions(today, Recorded, new HashSet<string>()).Options.Substituters);
    }
}
