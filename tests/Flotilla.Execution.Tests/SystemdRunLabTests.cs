using System.Text.Json.Nodes;
using Flotilla.Planning;

namespace Flotilla.Execution.Tests;

/// <summary>
/// Hosts that run systemd get the activation as a transient unit (systemd-run). The lab's
/// "init": "systemd" hosts have /run/systemd/system and a systemd-run stand-in that records units.
/// </summary>
public sealed class SystemdRunLabTests
{
    [LabFact]
    public async Task On_a_systemd_host_the_watchdog_runs_as_a_transient_unit_and_the_deploy_is_confirmed()
    {
        await using var lab = await ExecutionLab.StartAsync();
        await UseSystemdAsync(lab);
        await lab.ConfigureAsync("host-1", "2.0");
        var executor = new DeployStepExecutor(ExecutionLab.Options());
        var output = new RecordingOutput();

        var results = await lab.RunAsync(executor, lab.Plan("host-1"), output);

        Assert.All(results, r => Assert.True(r.Result.State == StepState.Succeeded, $"{r.Step.Id}: {r.Result.Message}\n{output.All}"));
        Assert.Equal(executor.ClosureOf("host-1")!.SystemPath, await lab.CurrentSystemAsync("host-1"));
        var units = await lab.SshAsync("host-1", "cat /run/lab/units/flotilla-activate-*.cmd");
        Assert.Contains("/watchdog.sh /run/flotilla/", units, StringComparison.Ordinal);
        Assert.Contains(executor.ClosureOf("host-1")!.SystemPath, units, StringComparison.Ordinal);
    }

    [LabFact]
    public async Task On_a_systemd_host_a_failing_health_gate_rolls_back_through_the_unit()
    {
        await using var lab = await ExecutionLab.StartAsync();
        await UseSystemdAsync(lab);
        var previous = await lab.CurrentSystemAsync("host-1");
        await lab.ConfigureAsync("host-1", "3.0", health: "unhealthy");
        var output = new RecordingOutput();

        var results = await lab.RunAsync(new DeployStepExecutor(ExecutionLab.Options()), lab.Plan("host-1"), output);

        Assert.Equal(StepState.RolledBack, results[^1].Result.State);
        Assert.Equal(previous, await lab.CurrentSystemAsync("host-1"));
        Assert.NotEmpty(await lab.SshAsync("host-1", "ls /run/lab/units"));
    }

    [LabFact]
    public async Task A_transient_unit_that_dies_before_activating_fails_the_step_instead_of_waiting_forever()
    {
        await using var lab = await ExecutionLab.StartAsync();
        await UseSystemdAsync(lab);
        var previous = await lab.CurrentSystemAsync("host-1");
        await lab.ConfigureAsync("host-1", "4.0");
        await lab.SshAsync("host-1", "touch /run/lab/faults/unit-dies");
        var output = new RecordingOutput();
        using var bounded = new CancellationTokenSource(TimeSpan.FromSeconds(90));

        var results = await lab.RunAsync(new DeployStepExecutor(ExecutionLab.Options()), lab.Plan("host-1"), output, cancellationToken: bounded.Token);

        var activation = results[^1];
        Assert.Equal(StepKind.Activate, activation.Step.Kind);
        Assert.Equal(StepState.Failed, activation.Result.State);
        Assert.Contains("ended died", activation.Result.Message, StringComparison.Ordinal);
        Assert.Equal(previous, await lab.CurrentSystemAsync("host-1"));
    }

    /// <summary>Makes host-1 a systemd host (a new system generation of the same version with "init": "systemd") and deploys it the plain way.</summary>
    private static async Task UseSystemdAsync(ExecutionLab lab)
    {
        var file = lab.Lab.HostConfigurationPath("host-1");
        var json = JsonNode.Parse(await File.ReadAllTextAsync(file))!;
        json["init"] = "systemd";
        await File.WriteAllTextAsync(file, json.ToJsonString());
        var system = await lab.Lab.BuildAsync("host-1");
        await Flotilla.Processes.ProcessRunner.RunAsync("nix", ["--extra-experimental-features", "nix-command", "copy", "--option", "substituters", "", "--to", $"ssh://root@{lab.Address("host-1")}", system], lab.Lab.NixSshEnvironment);
        await lab.SshAsync("host-1", $"nix-env -p /nix/var/nix/profiles/system --set {system} && {system}/bin/switch-to-configuration switch >/dev/null && test -d /run/systemd/system");
    }
}
