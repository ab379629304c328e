using System.Collections.Immutable;
using Flotilla.Execution.Tests.Doubles;
using Flotilla.Planning;

namespace Flotilla.Execution.Tests;

/// <summary>
/// The engine's deploy operation: a resumed run goes on with the settings its run was started with,
/// not today's defaults (issue 16), and what it records reads back as it was.
/// </summary>
public sealed class DeployOperationTests
{
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
        var (options, scheduler) = DeployOperation.Recorded(new DeployOptions(), new SchedulerOptions(), Recorded, new HashSet<string>());

        Assert.Equal((ActivationGoal.Boot, TimeSpan.FromSeconds(45), true), (options.Goal, options.ConfirmTimeout, options.Force));
        Assert.Equal((2, true, "25%", (double?)12.5), (scheduler.Parallel, scheduler.FailFast, scheduler.BatchSize?.ToString(), scheduler.MaxFailPercent));
    }

    [Fact]
    public void What_the_command_line_names_again_wins_over_the_journal()
    {
        var (options, scheduler) = DeployOperation.Recorded(new DeployOptions { ConfirmTimeout = TimeSpan.FromSeconds(90) }, new SchedulerOptions { Parallel = 7 }, Recorded, new HashSet<string> { "confirm-timeout", "parallel" });

        Assert.Equal((TimeSpan.FromSeconds(90), 7), (options.ConfirmTimeout, scheduler.Parallel));
        Assert.Equal(ActivationGoal.Boot, options.Goal);
    }

    [Fact]
    public void A_run_recorded_without_a_batch_size_or_max_fail_resumes_without_them()
    {
        var (_, scheduler) = DeployOperation.Recorded(new DeployOptions(), new SchedulerOptions { MaxFailPercent = 50 }, Recorded.SetItem("batch-size", "").SetItem("max-fail", ""), new HashSet<string>());

        Assert.Null(scheduler.BatchSize);
        Assert.Null(scheduler.MaxFailPercent);
    }

    [Fact]
    public void What_a_run_records_reads_back_as_the_same_settings()
    {
        var options = new DeployOptions { Goal = ActivationGoal.Test, ConfirmTimeout = TimeSpan.FromSeconds(75), Force = true };
        var scheduler = new SchedulerOptions { Parallel = 3, FailFast = true, BatchSize = BatchSize.TryParse("2", out var size) ? size : null, MaxFailPercent = 20 };
        var fleet = Fleets.Of(Fleets.Host("db"));

        var metadata = new DeployOperation(options, scheduler).Metadata(fleet, new Selection { On = ["@db"], Services = ["vaultwarden"] }, "20261205-120000-abcd");
        var (read, readScheduler) = DeployOperation.Recorded(new DeployOptions(), new SchedulerOptions(), metadata.Options, new HashSet<string>());

        Assert.Equal(("deploy", "20261205-120000-abcd"), (metadata.Operation, metadata.Id));
        Assert.Equal(new[] { "@db", "--service vaultwarden" }, metadata.Selection.AsEnumerable());
        Assert.Equal((options.Goal, options.ConfirmTimeout, options.Force), (read.Goal, read.ConfirmTimeout, read.Force));
        Assert.Equal((scheduler.Parallel, scheduler.FailFast, "2", scheduler.MaxFailPercent), (readScheduler.Parallel, readScheduler.FailFast, readScheduler.BatchSize?.ToString(), readScheduler.MaxFailPercent));
    }
}
