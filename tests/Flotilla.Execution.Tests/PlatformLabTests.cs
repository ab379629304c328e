using Flotilla.Inventory;
using Flotilla.Lab;
using Flotilla.Planning;
using Flotilla.Tests.Support;

namespace Flotilla.Execution.Tests;

/// <summary>
/// A fleet of one NixOS, one nix-darwin and one home-manager host (seed 004's shape, from
/// tests/Fixtures/nixfleet-platforms): each is deployed, gated and rolled back with its own
/// platform's activation. The lab's darwin-like systems and home-manager generations record every
/// activation they run (/nix/var/lab/activations, ~/.local/state/lab/activations).
/// </summary>
public sealed class PlatformLabTests
{
    private const string DarwinLog = "cat /nix/var/lab/activations";
    private const string HomeLog = "cat ~/.local/state/lab/activations";
    private const string HomeProfile = "readlink ~/.local/state/nix/profiles/home-manager";

    private static async Task<ExecutionLab> StartAsync()
    {
        var source = await InventoryLoader.LoadAsync(Path.Combine(Repository.Root, "tests", "Fixtures", "nixfleet-platforms", "flake.nix"));
        Assert.Empty(source.Diagnostics);
        return await ExecutionLab.StartAsync(source);
    }

    [LabFact]
    public async Task A_fleet_of_nixos_darwin_and_home_manager_hosts_deploys_each_with_its_own_activation()
    {
        await using var lab = await StartAsync();
        Assert.Equal(Platform.NixOS, lab.Host("gpc0").Platform);
        Assert.Equal(Platform.Darwin, lab.Host("macmini0").Platform);
        Assert.Equal(Platform.HomeManager, lab.Host("imac0").Platform);
        Assert.Equal("mba", lab.Host("imac0").Target.User);
        foreach (var host in new[] { "gpc0", "macmini0", "imac0" })
        {
            await lab.ConfigureAsync(host, "2.0");
        }

        var executor = new DeployStepExecutor(ExecutionLab.Options());
        var output = new RecordingOutput();

        var results = await lab.RunAsync(executor, lab.Plan("gpc0", "macmini0", "imac0"), output);

        Assert.All(results, r => Assert.True(r.Result.State == StepState.Succeeded, $"{r.Step.Id}: {r.Result.Message}\n{output.All}"));
        Assert.Equal(3, results.Count(r => r.Step.Kind == StepKind.Verify && r.Result.Message!.EndsWith("confirmed", StringComparison.Ordinal)));

        // NixOS: switch-to-configuration, generation 2 of the system profile.
        Assert.Equal("system-2-link", await lab.GenerationAsync("gpc0"));
        Assert.Equal(executor.ClosureOf("gpc0")!.SystemPath, await lab.CurrentSystemAsync("gpc0"));

        // nix-darwin: activate-user, then activate, as root; the profile set once confirmed; no switch-to-configuration.
        var darwin = executor.ClosureOf("macmini0")!.SystemPath;
        Assert.Contains("-darwin-system-macmini0-2.0", darwin, StringComparison.Ordinal);
        var darwinLog = (await lab.SshAsync("macmini0", DarwinLog)).Split('\n');
        Assert.Equal([$"activate-user {darwin} as root", $"activate {darwin}"], darwinLog[^2..]);
        Assert.Equal("system-2-link", await lab.GenerationAsync("macmini0"));
        Assert.Equal(darwin, await lab.SshAsync("macmini0", "cat /nix/var/nix/profiles/system/systemConfig"));
        Assert.Equal(darwin, await lab.CurrentSystemAsync("macmini0"));
        Assert.Equal("absent", await lab.SshAsync("macmini0", $"[ -e {darwin}/bin/switch-to-configuration ] && echo present || echo absent"));

        // home-manager: as the user mba, the user's own profile, the generation's activate with driver version 1.
        var home = executor.ClosureOf("imac0")!.SystemPath;
        Assert.EndsWith("-home-manager-generation", home, StringComparison.Ordinal);
        Assert.Equal("mba", await lab.SshAsync("imac0", "id -un"));
        Assert.Equal("home-manager-2-link", await lab.SshAsync("imac0", HomeProfile));
        Assert.Equal($"activate {home} driver 1 as mba", (await lab.SshAsync("imac0", HomeLog)).Split('\n')[^1]);
        Assert.Equal("absent", await lab.SshAsync("imac0", "[ -e /nix/var/nix/profiles/system ] && echo present || echo absent"));

        var status = await new HostStatusReader(ExecutionLab.Options()).ReadAsync(lab.Fleet, [lab.Host("gpc0"), lab.Host("macmini0"), lab.Host("imac0")]);
        Assert.All(status, s => Assert.True(s.UpToDate == true && s.Generation == 2 && !s.NeedsReboot, $"{s.Host}: {s}"));
        Assert.Equal(home, status.Single(s => s.Host == "imac0").CurrentSystem);
    }

    [LabFact]
    public async Task An_unhealthy_darwin_or_home_manager_host_rolls_back_by_activating_its_previous_generation()
    {
        await using var lab = await StartAsync();
        var darwinBefore = await lab.CurrentSystemAsync("macmini0");
        var homeBefore = await lab.SshAsync("imac0", "readlink -f ~/.local/state/nix/profiles/home-manager");
        await lab.ConfigureAsync("macmini0", "3.0", health: "unhealthy");
        await lab.ConfigureAsync("imac0", "3.0", health: "unhealthy");
        var executor = new DeployStepExecutor(ExecutionLab.Options(TimeSpan.FromSeconds(60)));
        var output = new RecordingOutput();

        var darwin = await lab.RunAsync(executor, lab.Plan("macmini0"), output);
        var home = await lab.RunAsync(executor, lab.Plan("imac0"), output);

        foreach (var results in new[] { darwin, home })
        {
            var last = results[^1];
            Assert.True(last.Step.Kind == StepKind.Verify && last.Result.State == StepState.RolledBack, $"{last.Step.Id}: {last.Result.State} {last.Result.Message}\n{output.All}");
        }

        var darwinNew = executor.ClosureOf("macmini0")!.SystemPath;
        var darwinLog = (await lab.SshAsync("macmini0", DarwinLog)).Split('\n');
        Assert.Equal([$"activate-user {darwinNew} as root", $"activate {darwinNew}", $"activate-user {darwinBefore} as root", $"activate {darwinBefore}"], darwinLog[^4..]);
        Assert.Equal(darwinBefore, await lab.CurrentSystemAsync("macmini0"));
        Assert.Equal("system-1-link", await lab.GenerationAsync("macmini0"));
        Assert.Equal("200", await lab.SshAsync("macmini0", "busybox wget -q -S -O /dev/null http://localhost:8081/health 2>&1 | awk 'NR==1 {print $2}'"));

        var homeNew = executor.ClosureOf("imac0")!.SystemPath;
        var homeLog = (await lab.SshAsync("imac0", HomeLog)).Split('\n');
        Assert.Equal([$"activate {homeNew} driver 1 as mba", $"activate {homeBefore} driver 1 as mba"], homeLog[^2..]);
        Assert.Equal("home-manager-1-link", await lab.SshAsync("imac0", HomeProfile));
        Assert.DoesNotContain("home-manager-2-link", await lab.SshAsync("imac0", "ls ~/.local/state/nix/profiles"), StringComparison.Ordinal);
        Assert.Equal("200", await lab.SshAsync("imac0", "busybox wget -q -S -O /dev/null http://localhost:8082/health 2>&1 | awk 'NR==1 {print $2}'"));
    }

    [LabFact]
    public async Task Flotilla_rollback_activates_the_previous_generation_of_a_darwin_and_a_home_manager_host()
    {
        await using var lab = await StartAsync();
        var darwinFirst = await lab.CurrentSystemAsync("macmini0");
        var homeFirst = await lab.SshAsync("imac0", "readlink -f ~/.local/state/nix/profiles/home-manager");
        await lab.ConfigureAsync("macmini0", "2.0");
        await lab.ConfigureAsync("imac0", "2.0");
        var options = ExecutionLab.Options();
        var output = new RecordingOutput();
        var deployed = await lab.RunAsync(new DeployStepExecutor(options), lab.Plan("macmini0", "imac0"), output);
        Assert.All(deployed, r => Assert.True(r.Result.State == StepState.Succeeded, $"{r.Step.Id}: {r.Result.Message}\n{output.All}"));

        var lines = new List<string>();
        var darwin = await new HostRollback(options).RollbackAsync(lab.Fleet, lab.Host("macmini0"), lines.Add);
        var home = await new HostRollback(options).RollbackAsync(lab.Fleet, lab.Host("imac0"), lines.Add);

        Assert.True(darwin.State == StepState.Succeeded, $"{darwin.Message}\n{string.Join('\n', lines)}");
        Assert.True(home.State == StepState.Succeeded, $"{home.Message}\n{string.Join('\n', lines)}");
        Assert.Equal([$"activate-user {darwinFirst} as root", $"activate {darwinFirst}"], (await lab.SshAsync("macmini0", DarwinLog)).Split('\n')[^2..]);
        Assert.Equal(darwinFirst, await lab.SshAsync("macmini0", "cat /nix/var/nix/profiles/system/systemConfig"));
        Assert.Equal($"activate {homeFirst} driver 1 as mba", (await lab.SshAsync("imac0", HomeLog)).Split('\n')[^1]);
        var status = await new HostStatusReader(options).ReadAsync(lab.Fleet, [lab.Host("macmini0"), lab.Host("imac0")], compareWithInventory: false);
        Assert.Equal([1, 1], status.Select(s => s.Generation));
        Assert.Equal([darwinFirst, homeFirst], status.Select(s => s.CurrentSystem));
    }

    [LabFact]
    public async Task Darwin_and_home_manager_hosts_that_lose_their_network_after_activation_roll_themselves_back()
    {
        await using var lab = await StartAsync();
        var darwinBefore = await lab.CurrentSystemAsync("macmini0");
        var homeBefore = await lab.SshAsync("imac0", "readlink -f ~/.local/state/nix/profiles/home-manager");
        await lab.ConfigureAsync("macmini0", "4.0");
        await lab.ConfigureAsync("imac0", "4.0");
        var options = ExecutionLab.Options(TimeSpan.FromSeconds(5)) with { Ssh = new SshOptions { ConnectTimeout = TimeSpan.FromSeconds(3), ServerAliveInterval = TimeSpan.FromSeconds(1) } };
        var executor = new DeployStepExecutor(options);
        var output = new RecordingOutput();
        var plan = lab.Plan("macmini0", "imac0");
        await executor.PrebuildAsync(lab.Fleet, plan);

        // Up to each host's activation; then its link goes down past the confirm timeout and no
        // verify step runs: only the host's own watchdog (nohup on darwin, as on a Mac) can roll back.
        foreach (var host in new[] { "macmini0", "imac0" })
        {
            foreach (var step in plan.Steps.Where(s => s.Host == host))
            {
                var result = await executor.ExecuteAsync(step, new StepContext(lab.Fleet, lab.Host(host), output));
                Assert.True(result.State == StepState.Succeeded, $"{step.Id}: {result.Message}\n{output.All}");
                if (step.Kind == StepKind.Activate)
                {
                    await lab.Lab.FaultAsync(host, LabFault.Unreachable, TimeSpan.FromSeconds(12));
                    break;
                }
            }
        }

        await lab.Lab.WaitUntilReachableAsync("macmini0", TimeSpan.FromSeconds(30));
        await lab.Lab.WaitUntilReachableAsync("imac0", TimeSpan.FromSeconds(30));
        await EventuallyAsync(async () => await lab.CurrentSystemAsync("macmini0") == darwinBefore, "macmini0 back on its previous system");
        await EventuallyAsync(async () => await lab.SshAsync("imac0", HomeProfile) == "home-manager-1-link", "imac0 back on its previous generation");
        Assert.Equal($"activate {darwinBefore}", (await lab.SshAsync("macmini0", DarwinLog)).Split('\n')[^1]);
        Assert.Equal("system-1-link", await lab.GenerationAsync("macmini0"));
        Assert.Equal($"activate {homeBefore} driver 1 as mba", (await lab.SshAsync("imac0", HomeLog)).Split('\n')[^1]);
    }

    private static async Task EventuallyAsync(Func<Task<bool>> condition, string what, int seconds = 20)
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
