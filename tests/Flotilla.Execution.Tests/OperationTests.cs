using Microsoft.Extensions.Time.Testing;
using System.Collections.Immutable;
using Flotilla.Execution.Internal;
using Flotilla.Execution.Operations;
using Flotilla.Execution.Tests.Doubles;
using Flotilla.Inventory;
using Flotilla.Maintenance;
using Flotilla.Planning;

namespace Flotilla.Execution.Tests;

/// <summary>
/// The operations the CLI and the server host (issue 16): typed requests in, typed outcomes and
/// notes out, journals and leases in a real state directory, steps run by a scripted executor.
/// </summary>
public sealed class OperationTests : IDisposable
{
    private readonly TempDirectory _state = new();
    private readonly ObserverView _view = new(new RecordingObserver());
    private readonly FakeTimeProvider _time = Clocks.New();

    public void Dispose() => _state.Dispose();

    private OperationEnvironment Environment(IStepExecutor executor) =>
        OperationEnvironment.ForStateDirectory(_state.Path, _view, _time) with { Executor = executor };

    private static DeployRequest Deploy(Selection? selection = null, SchedulerOptions? scheduler = null) =>
        new(selection ?? Selection.Everything, new DeployOptions { Substituters = "" }, scheduler ?? new SchedulerOptions());

    private static MaintenanceSettings Settings(MaintenanceWindow? window = null) =>
        new(window, LeaseSettings.Default, Preflight: null, TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(1));

    [Fact]
    public async Task A_deploy_says_per_host_how_it_came_out_from_the_steps_typed_results()
    {
        var fleet = Fleets.Of(Fleets.Host("db"), Fleets.Host("web", null, "db"), Fleets.Host("current"), Fleets.Host("broken"), Fleets.Host("app", null, "broken"), Fleets.Host("raced"));
        var executor = new ScriptedExecutor()
            .Ends("activate:current", StepResult.Succeeded("a message that says nothing of the kind") with { Changed = false, Closure = "/nix/store/current-system" })
            .Ends("activate:raced", StepResult.Succeeded() with { Changed = true, Closure = "/nix/store/raced-system" })
            .Ends("verify:raced", StepResult.Failed("a message that says nothing of the kind") with { Superseded = true })
            .Ends("activate:db", StepResult.Succeeded() with { Changed = true, Closure = "/nix/store/db-system" })
            .Ends("verify:broken", StepResult.RolledBack("health check failed"));

        var outcome = await new DeployOperation(Environment(executor)).RunAsync(fleet, Deploy());

        Assert.Null(outcome.Refusal);
        Assert.Equal(RunExitCodes.Failed, outcome.ExitCode);
        var hosts = outcome.Hosts.ToDictionary(h => h.Host, h => h.Outcome);
        Assert.Equal(HostOutcome.Succeeded, hosts["db"]);
        Assert.Equal(HostOutcome.Succeeded, hosts["web"]);
        Assert.Equal(HostOutcome.AlreadyCurrent, hosts["current"]);
        Assert.Equal(HostOutcome.RolledBack, hosts["broken"]);
        Assert.Equal(HostOutcome.NotRun, hosts["app"]);
        Assert.Equal(HostOutcome.Superseded, hosts["raced"]);
        Assert.Null(outcome.Hosts.Single(h => h.Host == "raced").Closure);
        Assert.Equal("/nix/store/db-system", outcome.Hosts.Single(h => h.Host == "db").Closure);
        Assert.Equal(["db", "web"], DeployOperation.DeployedHosts(outcome.Summary!).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_deploy_journals_its_options_and_says_its_run_before_running_it()
    {
        var fleet = Fleets.Of(Fleets.Host("a"));

        var outcome = await new DeployOperation(Environment(new ScriptedExecutor())).RunAsync(fleet, Deploy(scheduler: new SchedulerOptions { Parallel = 3 }));

        var starting = Assert.IsType<RunStarting>(_view.Notes[0]);
        Assert.Equal((outcome.RunId, "deploy", "deploying", 1), (starting.RunId, starting.Operation, starting.Verb, starting.Hosts));
        await using var journal = await RunJournal.OpenAsync(_state.Path, outcome.RunId!);
        Assert.Equal(Operation.Deploy, journal.Info.Operation);
        Assert.Equal(("3", ""), (journal.Info.Options["parallel"], journal.Info.Options["substituters"]));
        Assert.Equal(RunExitCodes.Success, journal.Result?.ExitCode);
    }

    [Fact]
    public async Task A_deploy_whose_selection_names_no_host_is_refused_as_invalid_input_with_nothing_journaled()
    {
        var fleet = Fleets.Of(Fleets.Host("a"));

        var outcome = await new DeployOperation(Environment(new ScriptedExecutor())).RunAsync(fleet, Deploy(new Selection { On = ["nosuchhost"] }));

        var refusal = Assert.IsType<InputInvalid>(outcome.Refusal);
        Assert.Equal(RunExitCodes.InvalidInput, outcome.ExitCode);
        Assert.NotEmpty(refusal.Diagnostics);
        Assert.Empty(await RunJournal.ListAsync(_state.Path));
    }

    [Fact]
    public async Task A_deploy_of_hosts_another_run_holds_is_refused_naming_that_run()
    {
        var fleet = Fleets.Of(Fleets.Host("a"), Fleets.Host("b"));
        var environment = Environment(new ScriptedExecutor());
        await using var other = await HostLease.AcquireAsync(environment.Leases, new HostLeaseRequest("rollback", ["b"]) { RunId = "other-run" });

        var outcome = await new DeployOperation(environment).RunAsync(fleet, Deploy());

        var busy = Assert.IsType<HostsBusy>(outcome.Refusal);
        Assert.Equal(RunExitCodes.Busy, outcome.ExitCode);
        Assert.Equal(("rollback", "other-run"), (busy.Holder.Operation, busy.Holder.RunId));
        Assert.Equal(["b"], busy.InCommon.ToArray());
        Assert.Empty(await RunJournal.ListAsync(_state.Path));
    }

    [Fact]
    public async Task A_resumed_deploy_redoes_only_what_is_left_and_says_how_much_was_done()
    {
        var fleet = Fleets.Of(Fleets.Host("a"), Fleets.Host("b"));
        var failing = new ScriptedExecutor().Ends("copy:b", StepResult.Failed("copy failed"));
        var first = await new DeployOperation(Environment(failing)).RunAsync(fleet, Deploy());
        Assert.Equal(RunExitCodes.Failed, first.ExitCode);

        var executor = new ScriptedExecutor();
        await using var journal = await RunJournal.OpenAsync(_state.Path, first.RunId!);
        var resumed = await new DeployOperation(Environment(executor)).ResumeAsync(fleet, journal, Deploy(), new HashSet<string>());

        Assert.Equal(RunExitCodes.Success, resumed.ExitCode);
        Assert.All(executor.Started, id => Assert.EndsWith(":b", id, StringComparison.Ordinal));
        var note = Assert.Single(_view.Notes.OfType<RunResuming>());
        Assert.Equal((first.RunId, journal.Plan.Steps.Length), (note.RunId, note.Total));
        Assert.Equal(note.Total - executor.Started.Count, note.Done);
        Assert.DoesNotContain("build:b", executor.Started);
    }

    [Fact]
    public async Task A_migration_is_an_operation_whose_stopped_run_resumes_with_its_own_direction_and_host_state()
    {
        var web = new Service { Name = "web", Host = "a", DependsOn = ["db"] };
        var db = new Service { Name = "db", Host = "a" };
        var fleet = Fleets.Of(Fleets.Host("a")) with { Services = [db, web] };
        var failing = new ScriptedExecutor().Ends("unmigrate:a/db", StepResult.Failed("the unit did not start"));

        var first = await new MigrateOperation(Environment(failing)).RunAsync(fleet, new MigrateRequest([db, web], Rollback: true, "/var/lib/flotilla-test-migrations"));

        Assert.Equal(RunExitCodes.Failed, first.ExitCode);
        // Rolling back: a service before what it depends on.
        Assert.Equal(["unmigrate:a/web", "unmigrate:a/db"], failing.Started);
        await using var journal = await RunJournal.OpenAsync(_state.Path, first.RunId!);
        Assert.Equal(Operation.Migrate, journal.Info.Operation);
        Assert.Equal(("rollback", "/var/lib/flotilla-test-migrations"), (journal.Info.Options["direction"], journal.Info.Options["host-state"]));
        Assert.Equal(["a/db", "a/web"], journal.Info.Selection.ToArray());

        var executor = new ScriptedExecutor();
        var resumed = await new MigrateOperation(Environment(executor)).ResumeAsync(fleet, journal, hostStateDirectory: null, LeaseSettings.Default);

        Assert.Equal(RunExitCodes.Success, resumed.ExitCode);
        Assert.Equal(["unmigrate:a/db"], executor.Started);
        Assert.Equal((1, 2), (Assert.Single(_view.Notes.OfType<RunResuming>()).Done, journal.Plan.Steps.Length));
    }

    [Fact]
    public async Task A_deploy_run_given_to_migrate_resume_is_refused_naming_what_it_is()
    {
        var fleet = Fleets.Of(Fleets.Host("a"));
        var deployed = await new DeployOperation(Environment(new ScriptedExecutor())).RunAsync(fleet, Deploy());
        await using var journal = await RunJournal.OpenAsync(_state.Path, deployed.RunId!);
        var executor = new ScriptedExecutor();

        var outcome = await new MigrateOperation(Environment(executor)).ResumeAsync(fleet, journal, null, LeaseSettings.Default);

        var refusal = Assert.IsType<NotResumable>(outcome.Refusal);
        Assert.Equal(("migrate", "deploy"), (refusal.Operation, refusal.RecordedOperation));
        Assert.Empty(executor.Started);
    }

    [Fact]
    public async Task A_resumed_deploy_runs_with_the_parallelism_its_journal_recorded_not_the_requests()
    {
        var fleet = Fleets.Of(Fleets.Host("a"), Fleets.Host("b"), Fleets.Host("c"), Fleets.Host("d"));
        var stopped = new ScriptedExecutor();
        foreach (var host in new[] { "a", "b", "c", "d" })
        {
            stopped.Ends("build:" + host, StepResult.Failed("stopped"));
        }

        var first = await new DeployOperation(Environment(stopped)).RunAsync(fleet, Deploy(scheduler: new SchedulerOptions { Parallel = 1 }));

        var executor = new ScriptedExecutor { Delay = TimeSpan.FromMilliseconds(20) };
        await using var journal = await RunJournal.OpenAsync(_state.Path, first.RunId!);
        var resumed = await new DeployOperation(Environment(executor)).ResumeAsync(fleet, journal, Deploy(scheduler: new SchedulerOptions { Parallel = 10 }), new HashSet<string>());

        Assert.Equal(RunExitCodes.Success, resumed.ExitCode);
        Assert.Equal(1, executor.MaxRunning);
    }

    [Fact]
    public async Task Deploy_resume_refuses_a_run_another_operation_journaled()
    {
        var fleet = Fleets.Of(Fleets.Host("a"));
        var rolledBack = await new RollbackOperation(Environment(new ScriptedExecutor().Ends("rollback:a", StepResult.Failed("no previous generation"))))
            .RunAsync(fleet, new RollbackRequest(Selection.Everything, TimeSpan.FromSeconds(30), 2));
        var executor = new ScriptedExecutor();

        await using var journal = await RunJournal.OpenAsync(_state.Path, rolledBack.RunId!);
        var outcome = await new DeployOperation(Environment(executor)).ResumeAsync(fleet, journal, Deploy(), new HashSet<string>());

        var refusal = Assert.IsType<NotResumable>(outcome.Refusal);
        Assert.Equal(("rollback", RunExitCodes.InvalidInput), (refusal.RecordedOperation, outcome.ExitCode));
        Assert.Empty(executor.Started);
    }

    [Fact]
    public async Task A_rollback_journals_its_operation_and_options()
    {
        var fleet = Fleets.Of(Fleets.Host("a"), Fleets.Host("b", null, "a"));

        var outcome = await new RollbackOperation(Environment(new ScriptedExecutor())).RunAsync(fleet, new RollbackRequest(Selection.Everything, TimeSpan.FromSeconds(45), 2));

        Assert.Equal(RunExitCodes.Success, outcome.ExitCode);
        Assert.All(outcome.Hosts, h => Assert.Equal(HostOutcome.Succeeded, h.Outcome));
        await using var journal = await RunJournal.OpenAsync(_state.Path, outcome.RunId!);
        Assert.Equal((Operation.Rollback, "45s", "2"), (journal.Info.Operation, journal.Info.Options["confirm-timeout"], journal.Info.Options["parallel"]));
    }

    [Fact]
    public async Task A_reboot_sequence_runs_one_host_at_a_time_under_a_lease_on_the_whole_fleet_and_reports_where_each_stands()
    {
        var fleet = Fleets.Of(Fleets.Host("a"), Fleets.Host("b"));
        var environment = Environment(new ScriptedExecutor());
        HostsBusyException? refused = null;
        var executor = new ScriptedExecutor().On("reboot:a", async (_, _, token) =>
        {
            refused = await Assert.ThrowsAsync<HostsBusyException>(() => HostLease.AcquireAsync(environment.Leases, new HostLeaseRequest("deploy", ["b"]), token));
            return StepResult.Succeeded("rebooted");
        });

        var outcome = await new RebootOperation(environment with { Executor = executor }).RunAsync(fleet, new RebootRequest(Selection.Everything, Settings(), OnlyIfNeeded: false));

        Assert.Equal(RunExitCodes.Success, outcome.ExitCode);
        Assert.Equal("reboot", refused?.Holder.Operation);
        Assert.Equal(1, executor.MaxRunning);
        Assert.Same(outcome.Summary, Assert.Single(_view.Notes.OfType<RebootSequenceEnded>()).Summary);
        Assert.Empty(await environment.Leases.ListAsync());
    }

    [Fact]
    public async Task A_reboot_outside_its_window_is_refused_saying_when_the_window_opens_and_takes_no_lease()
    {
        Assert.True(MaintenanceWindow.TryParse("mon 02:00-03:00 UTC", out var window, out var error), error);
        var executor = new ScriptedExecutor();
        var environment = Environment(executor);

        var outcome = await new RebootOperation(environment).RunAsync(Fleets.Of(Fleets.Host("a")), new RebootRequest(Selection.Everything, Settings(window), OnlyIfNeeded: false));

        var closed = Assert.IsType<OutsideWindow>(outcome.Refusal);
        Assert.Equal(RunExitCodes.Failed, outcome.ExitCode);
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 2, 0, 0, TimeSpan.Zero), closed.OpensAt);
        Assert.Empty(executor.Started);
        Assert.Empty(await environment.Leases.ListAsync());
    }

    [Fact]
    public async Task Deploy_then_reboot_reboots_only_the_hosts_that_got_a_new_system()
    {
        var fleet = Fleets.Of(Fleets.Host("changed"), Fleets.Host("current"));
        var executor = new ScriptedExecutor().Ends("activate:current", StepResult.Succeeded() with { Changed = false });

        var outcome = await new DeployOperation(Environment(executor)).RunThenRebootAsync(fleet, Deploy(), Settings());

        Assert.Equal(RunExitCodes.Success, outcome.ExitCode);
        Assert.Equal(["changed"], Assert.Single(_view.Notes.OfType<DeployedHostsRebooting>()).Hosts.ToArray());
        Assert.Equal(["changed"], outcome.Reboot!.Hosts.Select(h => h.Host));
        Assert.Contains("reboot:changed", executor.Started);
        Assert.DoesNotContain("reboot:current", executor.Started);
    }

    [Fact]
    public async Task An_upgrade_of_an_inventory_that_is_not_a_flake_is_refused_before_anything_is_done()
    {
        var loaded = false;
        var upgrade = new UpgradeOperation(Environment(new ScriptedExecutor()), (_, _) => { loaded = true; return Task.FromResult<Fleet?>(null); });

        var outcome = await upgrade.RunAsync(new UpgradeRequest(_state.Path, Selection.Everything, Settings(), new DeployOptions()));

        Assert.IsType<NotAFlake>(outcome.Refusal);
        Assert.Equal(RunExitCodes.InvalidInput, outcome.ExitCode);
        Assert.False(loaded);
        Assert.Null(outcome.Report);
    }

    [Fact]
    public async Task An_upgrade_outside_its_window_updates_nothing()
    {
        Assert.True(MaintenanceWindow.TryParse("mon 02:00-03:00 UTC", out var window, out var error), error);
        var flake = _state.Write("flake/flake.nix", "{ outputs = _: { }; }");
        var upgrade = new UpgradeOperation(Environment(new ScriptedExecutor()), (_, _) => Task.FromResult<Fleet?>(null));

        var outcome = await upgrade.RunAsync(new UpgradeRequest(flake, Selection.Everything, Settings(window), new DeployOptions()));

        Assert.IsType<OutsideWindow>(outcome.Refusal);
        Assert.Empty(_view.Notes.OfType<FlakeUpdating>());
        Assert.False(File.Exists(Path.Combine(Path.GetDirectoryName(flake)!, "flake.lock")));
    }

    [Theory]
    [InlineData("confirmed", nameof(ActivationState.Confirmed))]
    [InlineData("rolled-back", nameof(ActivationState.RolledBack))]
    [InlineData("rollback-failed", nameof(ActivationState.RollbackFailed))]
    [InlineData("pending", nameof(ActivationState.Pending))]
    [InlineData("superseded", nameof(ActivationState.Superseded))]
    [InlineData("not-started", nameof(ActivationState.NotStarted))]
    [InlineData("something-new", nameof(ActivationState.Unknown))]
    public void The_watchdogs_words_are_read_as_activation_states(string word, string name)
    {
        var state = Enum.Parse<ActivationState>(name);
        Assert.Equal(state, ActivationStates.Parse(word));
        Assert.Equal(state == ActivationState.Unknown ? "unknown" : word, ActivationStates.Name(state));
    }
}
