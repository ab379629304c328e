using Flotilla.Planning;
using Flotilla.Processes;

namespace Flotilla.Execution.Tests;

/// <summary>
/// An activation that another one replaced before it was confirmed (another run, someone's
/// <c>nixos-rebuild switch</c>): the watchdog and the verify step leave the host on what it runs
/// now. Before the fix, confirming made the replaced system the boot default under the new one,
/// and rolling back undid the new one.
/// </summary>
public sealed class SupersededActivationLabTests
{
    private const string Host = "host-1";

    [LabFact]
    public async Task A_verify_that_finds_its_activation_replaced_fails_as_superseded_and_leaves_the_new_system_running_and_the_boot_default()
    {
        await using var lab = await ExecutionLab.StartAsync();
        var (executor, plan, output, activated) = await ActivateAsync(lab, "30.0", TimeSpan.FromSeconds(60));
        var replacement = await SwitchByHandAsync(lab, "31.0");

        var verify = plan.Steps.Single(s => s.Kind == StepKind.Verify);
        var result = await executor.ExecuteAsync(verify, new StepContext(lab.Fleet, lab.Host(Host), output));

        Assert.True(result.State == StepState.Failed, $"{result.State}: {result.Message}\n{output.All}");
        Assert.True(result.Superseded, "a superseded verify says so in its typed result, not only in its message");
        Assert.Contains("superseded", result.Message, StringComparison.Ordinal);
        Assert.Contains(replacement, result.Message, StringComparison.Ordinal);
        await AssertLeftOnAsync(lab, replacement, activated);
    }

    [LabFact]
    public async Task A_watchdog_asked_to_confirm_an_activation_that_was_replaced_does_not_make_it_the_boot_default()
    {
        await using var lab = await ExecutionLab.StartAsync();
        var (_, _, _, activated) = await ActivateAsync(lab, "32.0", TimeSpan.FromSeconds(60));
        var replacement = await SwitchByHandAsync(lab, "33.0");

        // As a verify step that made no check of its own would: the confirm marker.
        await lab.SshAsync(Host, "for d in /run/flotilla/*/; do [ -e \"$d/outcome\" ] || : > \"$d/confirm\"; done");
        var outcome = await OutcomeAsync(lab);

        Assert.Equal("superseded", outcome);
        Assert.Contains("flotilla: superseded: this host now runs " + replacement, await lab.SshAsync(Host, "cat /run/flotilla/*/log"), StringComparison.Ordinal);
        await AssertLeftOnAsync(lab, replacement, activated);
    }

    [LabFact]
    public async Task A_watchdog_whose_activation_was_replaced_does_not_roll_the_host_back_when_its_confirm_timeout_passes()
    {
        await using var lab = await ExecutionLab.StartAsync();
        var (_, _, _, activated) = await ActivateAsync(lab, "34.0", TimeSpan.FromSeconds(8));
        var replacement = await SwitchByHandAsync(lab, "35.0");

        // The orchestrator is gone: no verify step runs, the timeout passes.
        var outcome = await OutcomeAsync(lab);

        Assert.Equal("superseded", outcome);
        await AssertLeftOnAsync(lab, replacement, activated);
    }

    /// <summary>Deploys <paramref name="version"/> up to its activation: the watchdog waits for confirmation.</summary>
    private static async Task<(DeployStepExecutor Executor, Plan Plan, RecordingOutput Output, string Activated)> ActivateAsync(ExecutionLab lab, string version, TimeSpan confirmTimeout)
    {
        await lab.ConfigureAsync(Host, version);
        var executor = new DeployStepExecutor(ExecutionLab.Options(confirmTimeout));
        var output = new RecordingOutput();
        var plan = lab.Plan(Host);
        await executor.PrebuildAsync(lab.Fleet, plan);
        foreach (var step in plan.Steps.TakeWhile(s => s.Kind != StepKind.Verify))
        {
            var result = await executor.ExecuteAsync(step, new StepContext(lab.Fleet, lab.Host(Host), output));
            Assert.True(result.State == StepState.Succeeded, $"{step.Id}: {result.Message}\n{output.All}");
        }

        var activated = executor.ClosureOf(Host)!.SystemPath;
        Assert.Equal(activated, await lab.CurrentSystemAsync(Host));
        Assert.Equal("system-2-link", await lab.GenerationAsync(Host));
        return (executor, plan, output, activated);
    }

    /// <summary>Another activation, the way a person (or another tool) switches a host: nix copy, nix-env --set, switch-to-configuration switch.</summary>
    private static async Task<string> SwitchByHandAsync(ExecutionLab lab, string version)
    {
        await lab.ConfigureAsync(Host, version);
        var system = await lab.Lab.BuildAsync(Host);
        var copy = await ProcessRunner.RunAsync("nix", ["--extra-experimental-features", "nix-command", "copy", "--option", "substituters", "", "--to", $"ssh://root@{lab.Address(Host)}", system], lab.Lab.NixSshEnvironment);
        Assert.True(copy.ExitCode == 0, copy.StandardError);
        await lab.SshAsync(Host, $"nix-env -p /nix/var/nix/profiles/system --set {system} && {system}/bin/switch-to-configuration switch >/dev/null");
        Assert.Equal(system, await lab.CurrentSystemAsync(Host));
        return system;
    }

    private static async Task<string> OutcomeAsync(ExecutionLab lab)
    {
        for (var i = 0; i < 150; i++)
        {
            var outcome = await lab.SshAsync(Host, "cat /run/flotilla/*/outcome 2>/dev/null || true");
            if (outcome.Length > 0)
            {
                return outcome;
            }

            await Task.Delay(200);
        }

        Assert.Fail("the watchdog wrote no outcome within 30 s");
        return "";
    }

    /// <summary>The host runs the replacement, boots it by default, its profile points at it, and the replaced generation is gone.</summary>
    private static async Task AssertLeftOnAsync(ExecutionLab lab, string replacement, string replaced)
    {
        Assert.Equal(replacement, await lab.CurrentSystemAsync(Host));
        Assert.Equal(replacement, await lab.SshAsync(Host, "readlink -f /nix/var/lab/default-system"));
        Assert.Equal(replacement, await lab.SshAsync(Host, "readlink -f /nix/var/nix/profiles/system"));
        Assert.Equal("system-3-link", await lab.GenerationAsync(Host));
        var generations = await lab.SshAsync(Host, "ls /nix/var/nix/profiles");
        Assert.DoesNotContain("system-2-link", generations, StringComparison.Ordinal);
        Assert.NotEqual(replaced, replacement);
    }
}
