using Microsoft.Extensions.Time.Testing;
using Flotilla.Execution.Tests.Doubles;
using Flotilla.Inventory;
using Flotilla.Maintenance;
using Flotilla.Planning;

namespace Flotilla.Execution.Tests;

public sealed class RebootStepExecutorTests
{
    // Port 1 on loopback: nothing listens, so ssh fails at once.
    private static readonly Fleet Fleet = Fleets.Of(Fleets.Host("web") with { Target = new Target("127.0.0.1", "root", 1), RebootDelay = TimeSpan.Zero });

    private static PlanStep Step(StepKind kind) =>
        Planner.Build(Fleet, Operation.Reboot, Selection.Everything).Plan!.Steps.Single(s => s.Kind == kind);

    private static StepContext Context() => new(Fleet, Fleet.FindHost("web"), new RecordingOutput());

    [Fact]
    public async Task A_window_that_closed_during_the_sequence_stops_it_before_the_next_reboot_and_names_the_next_opening()
    {
        Assert.True(MaintenanceWindow.TryParse("sun 03:00-04:00 UTC", out var window, out _));
        // Clocks.New() starts on Sunday 2026-11-22 14:30 UTC: the window closed at 04:00.
        var executor = new RebootStepExecutor(new RebootOptions { Window = window, Deploy = new DeployOptions { TimeProvider = Clocks.New() } });

        var result = await executor.ExecuteAsync(Step(StepKind.Reboot), Context());

        Assert.Equal(StepState.Failed, result.State);
        Assert.Contains("the maintenance window sun 03:00-04:00 UTC has closed; the next opens 2026-11-29 03:00 UTC", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_host_that_cannot_be_reached_is_not_asked_to_reboot()
    {
        var executor = new RebootStepExecutor(new RebootOptions { Deploy = new DeployOptions { Ssh = new SshOptions { ConnectTimeout = TimeSpan.FromSeconds(2) } } });

        var result = await executor.ExecuteAsync(Step(StepKind.Reboot), Context());

        Assert.Equal(StepState.Failed, result.State);
        Assert.Contains("reboot:web: cannot reach root@127.0.0.1:1 over ssh to reboot it; nothing was done", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_host_that_booted_something_else_than_its_profiles_default_fails_verification()
    {
        var host = Fleet.FindHost("web")!;

        var wrong = HostReboot.CheckBooted(host, new BootState("b", "/nix/store/aaa-system-1", "/nix/store/bbb-system-2"));
        var right = HostReboot.CheckBooted(host, new BootState("b", "/nix/store/bbb-system-2", "/nix/store/bbb-system-2"));

        Assert.Equal(StepState.Failed, wrong.State);
        Assert.Contains("booted /nix/store/aaa-system-1, but its system profile's default is /nix/store/bbb-system-2", wrong.Message, StringComparison.Ordinal);
        Assert.Equal(StepState.Succeeded, right.State);
    }
}
