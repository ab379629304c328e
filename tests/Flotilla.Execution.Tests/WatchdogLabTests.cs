using Flotilla.Lab;
using Flotilla.Planning;

namespace Flotilla.Execution.Tests;

public sealed class WatchdogLabTests
{
    [LabFact]
    public async Task A_host_that_loses_its_network_after_activation_rolls_itself_back_within_the_confirm_timeout()
    {
        await using var lab = await ExecutionLab.StartAsync();
        var previous = await lab.CurrentSystemAsync("host-1");
        await lab.ConfigureAsync("host-1", "4.0");
        var options = ExecutionLab.Options(TimeSpan.FromSeconds(5)) with { Ssh = new SshOptions { ConnectTimeout = TimeSpan.FromSeconds(3), ServerAliveInterval = TimeSpan.FromSeconds(1) } };
        var executor = new DeployStepExecutor(options);
        var output = new RecordingOutput();
        var plan = lab.Plan("host-1");
        await executor.PrebuildAsync(lab.Fleet, plan);

        StepResult? activation = null;
        foreach (var step in plan.Steps)
        {
            var result = await executor.ExecuteAsync(step, new StepContext(lab.Fleet, lab.Host("host-1"), output));
            Assert.True(result.State == StepState.Succeeded, $"{step.Id}: {result.Message}\n{output.All}");
            if (step.Kind == StepKind.Activate)
            {
                activation = result;
                // The link goes down right after the activation, past the confirm timeout; the
                // orchestrator is gone too (no verify step runs): only the host itself can roll back.
                await lab.Lab.FaultAsync("host-1", LabFault.Unreachable, TimeSpan.FromSeconds(12));
                break;
            }
        }

        Assert.NotNull(activation);
        var during = await lab.Lab.StatusAsync();
        Assert.False(during.Hosts[0].LinkUp);
        Assert.Equal(executor.ClosureOf("host-1")!.SystemPath, during.Hosts[0].CurrentSystem);
        await lab.Lab.WaitUntilReachableAsync("host-1", TimeSpan.FromSeconds(30));
        await Eventually(async () => await lab.CurrentSystemAsync("host-1") == previous, "host-1 back on its previous system");
        Assert.Equal("system-1-link", await lab.GenerationAsync("host-1"));
        Assert.DoesNotContain("system-2-link", await lab.SshAsync("host-1", "ls /nix/var/nix/profiles"), StringComparison.Ordinal);
    }

    [LabFact]
    public async Task A_verify_step_that_cannot_reach_its_host_fails_and_the_host_rolls_itself_back()
    {
        await using var lab = await ExecutionLab.StartAsync();
        var previous = await lab.CurrentSystemAsync("host-1");
        await lab.ConfigureAsync("host-1", "14.0");
        var options = ExecutionLab.Options(TimeSpan.FromSeconds(5)) with { Ssh = new SshOptions { ConnectTimeout = TimeSpan.FromSeconds(2), ServerAliveInterval = TimeSpan.FromSeconds(1) } };
        var output = new RecordingOutput();

        var results = await lab.RunAsync(new DeployStepExecutor(options), lab.Plan("host-1"), output, beforeStep: step =>
        {
            if (step.Kind == StepKind.Verify)
            {
                // Down for longer than the health checks and the rollback request can take (each
                // "no route to host" waits for ARP; a shared connection first waits for its
                // keep-alives to fail), so the host is still cut off when the request is sent.
                // HealAsync below ends it early.
                lab.Lab.FaultAsync("host-1", LabFault.Unreachable, TimeSpan.FromSeconds(60)).GetAwaiter().GetResult();
            }
        });

        var last = results[^1];
        Assert.True(last.Step.Kind == StepKind.Verify && last.Result.State == StepState.Failed, $"{last.Step.Id}: {last.Result.State} {last.Result.Message}\n{output.All}");
        Assert.Contains("rolls back by itself", last.Result.Message, StringComparison.Ordinal);
        await lab.Lab.HealAsync("host-1");
        await lab.Lab.WaitUntilReachableAsync("host-1", TimeSpan.FromSeconds(30));
        Assert.Equal(previous, await lab.CurrentSystemAsync("host-1"));
        Assert.Equal("system-1-link", await lab.GenerationAsync("host-1"));
    }

    [LabFact]
    public async Task An_activation_that_fails_is_rolled_back_at_once_and_reported_as_rolled_back()
    {
        await using var lab = await ExecutionLab.StartAsync();
        var previous = await lab.CurrentSystemAsync("host-1");
        await lab.ConfigureAsync("host-1", "5.0");
        await lab.Lab.FaultAsync("host-1", LabFault.ActivationFails);
        var output = new RecordingOutput();

        var results = await lab.RunAsync(new DeployStepExecutor(ExecutionLab.Options()), lab.Plan("host-1"), output);

        var last = results[^1];
        Assert.True(last.Step.Kind == StepKind.Activate && last.Result.State == StepState.RolledBack, $"{last.Step.Id}: {last.Result.State} {last.Result.Message}\n{output.All}");
        Assert.Contains("activation-fails", output.All, StringComparison.Ordinal);
        Assert.Equal(previous, await lab.CurrentSystemAsync("host-1"));
        Assert.Equal("system-1-link", await lab.GenerationAsync("host-1"));
    }

    [LabFact]
    public async Task A_host_that_reboots_before_the_confirmation_boots_its_previous_generation()
    {
        await using var lab = await ExecutionLab.StartAsync();
        var previous = await lab.CurrentSystemAsync("host-1");
        await lab.ConfigureAsync("host-1", "11.0");
        var executor = new DeployStepExecutor(ExecutionLab.Options(TimeSpan.FromSeconds(60)));
        var output = new RecordingOutput();
        var plan = lab.Plan("host-1");
        await executor.PrebuildAsync(lab.Fleet, plan);
        foreach (var step in plan.Steps.TakeWhile(s => s.Kind != StepKind.KeysPost && s.Kind != StepKind.Verify))
        {
            var result = await executor.ExecuteAsync(step, new StepContext(lab.Fleet, lab.Host("host-1"), output));
            Assert.True(result.State == StepState.Succeeded, $"{step.Id}: {result.Message}\n{output.All}");
        }

        Assert.Equal(executor.ClosureOf("host-1")!.SystemPath, await lab.CurrentSystemAsync("host-1"));

        await lab.Lab.FaultAsync("host-1", LabFault.Reboot);
        await lab.Lab.WaitUntilReachableAsync("host-1", TimeSpan.FromSeconds(30));

        Assert.Equal(previous, await lab.CurrentSystemAsync("host-1"));
    }

    private static async Task Eventually(Func<Task<bool>> condition, string what, int seconds = 20)
    {
        for (var i = 0; i < seconds * 5; i++)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(200);
        }

        Assert.Fail($"{what} did not happen within {seconds} s");
    }
}
