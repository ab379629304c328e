using Flotilla.Planning;

namespace Flotilla.Execution.Tests;

public sealed class DeployLabTests
{
    [LabFact]
    public async Task A_changed_configuration_deploys_as_a_new_confirmed_generation_with_healthy_services()
    {
        await using var lab = await ExecutionLab.StartAsync();
        var before = await lab.GenerationAsync("host-1");
        await lab.ConfigureAsync("host-1", "2.0");
        var executor = new DeployStepExecutor(ExecutionLab.Options());
        var output = new RecordingOutput();

        var results = await lab.RunAsync(executor, lab.Plan("host-1"), output);

        Assert.All(results, r => Assert.True(r.Result.State == StepState.Succeeded, $"{r.Step.Id}: {r.Result.Message}\n{output.All}"));
        Assert.Contains(results, r => r.Step.Kind == StepKind.Verify && r.Result.Message!.Contains("confirmed", StringComparison.Ordinal));
        Assert.Equal("system-1-link", before);
        Assert.Equal("system-2-link", await lab.GenerationAsync("host-1"));
        Assert.Equal(executor.ClosureOf("host-1")!.SystemPath, await lab.CurrentSystemAsync("host-1"));
        Assert.Equal(executor.ClosureOf("host-1")!.SystemPath, await lab.SshAsync("host-1", "readlink /nix/var/lab/default-system"));
        Assert.Equal("200", await lab.SshAsync("host-1", "curl -s -o /dev/null -w '%{http_code}' http://localhost:8080/health || busybox wget -q -S -O /dev/null http://localhost:8080/health 2>&1 | head -1"));
    }

    [LabFact]
    public async Task A_host_whose_system_a_json_inventory_builds_from_a_nix_file_deploys()
    {
        await using var lab = await ExecutionLab.StartAsync();
        await lab.ConfigureAsync("host-1", "2.0");
        using var directory = new TempDirectory();
        directory.Write("machines.nix", $"(builtins.getFlake \"path:{lab.Lab.InventoryDirectory}\").nixosConfigurations");
        var inventory = directory.Write("flotilla.json", $$"""
            { "hosts": { "host-1": {
                "target": "root@{{lab.Address("host-1")}}",
                "system": "./machines.nix#host-1.config.system.build.toplevel",
                "healthChecks": [ { "type": "http", "url": "http://localhost:8080/health" } ] } } }
            """);
        await lab.LoadFleetAsync(inventory);
        var executor = new DeployStepExecutor(ExecutionLab.Options());
        var output = new RecordingOutput();

        var results = await lab.RunAsync(executor, lab.Plan("host-1"), output);

        Assert.All(results, r => Assert.True(r.Result.State == StepState.Succeeded, $"{r.Step.Id}: {r.Result.Message}\n{output.All}"));
        Assert.Equal("system-2-link", await lab.GenerationAsync("host-1"));
        Assert.EndsWith("-nixos-system-host-1-2.0", executor.ClosureOf("host-1")!.SystemPath, StringComparison.Ordinal);
        Assert.Equal(executor.ClosureOf("host-1")!.SystemPath, await lab.CurrentSystemAsync("host-1"));
        var status = await new HostStatusReader(ExecutionLab.Options()).ReadAsync(lab.Fleet, [lab.Host("host-1")]);
        Assert.True(status[0].UpToDate);
    }

    [LabFact]
    public async Task A_host_already_on_the_closure_is_skipped_unless_forced()
    {
        await using var lab = await ExecutionLab.StartAsync();
        var output = new RecordingOutput();

        var results = await lab.RunAsync(new DeployStepExecutor(ExecutionLab.Options()), lab.Plan("host-1"), output);

        Assert.All(results, r => Assert.Equal(StepState.Succeeded, r.Result.State));
        Assert.Contains(results, r => r.Step.Kind == StepKind.Copy && r.Result.Message!.Contains("skipped", StringComparison.Ordinal));
        Assert.Equal("system-1-link", await lab.GenerationAsync("host-1"));

        var forced = await lab.RunAsync(new DeployStepExecutor(ExecutionLab.Options() with { Force = true }), lab.Plan("host-1"), output);

        Assert.All(forced, r => Assert.True(r.Result.State == StepState.Succeeded, $"{r.Step.Id}: {r.Result.Message}\n{output.All}"));
        Assert.Contains(forced, r => r.Step.Kind == StepKind.Copy && r.Result.Message!.StartsWith("copied", StringComparison.Ordinal));
        Assert.Contains(forced, r => r.Step.Kind == StepKind.Verify && r.Result.Message!.Contains("confirmed", StringComparison.Ordinal));
    }

    [LabFact]
    public async Task Several_hosts_build_in_one_batch_and_deploy_in_parallel_through_one_executor()
    {
        await using var lab = await ExecutionLab.StartAsync(hosts: 3);
        string[] names = ["host-1", "host-2", "host-3"];
        foreach (var name in names)
        {
            await lab.ConfigureAsync(name, "12.0-" + name);
        }

        var executor = new DeployStepExecutor(ExecutionLab.Options());
        var output = new RecordingOutput();
        var plan = lab.Plan(names);
        var closures = await executor.PrebuildAsync(lab.Fleet, plan);
        Assert.Equal(names, closures.Keys.Order());

        var results = await Task.WhenAll(names.Select(name => Task.Run(async () =>
        {
            var states = new List<StepState>();
            foreach (var step in plan.Steps.Where(s => s.Host == name))
            {
                states.Add((await executor.ExecuteAsync(step, new StepContext(lab.Fleet, lab.Host(name), output))).State);
            }

            return states;
        })));

        Assert.All(results, states => Assert.All(states, state => Assert.Equal(StepState.Succeeded, state)));
        foreach (var name in names)
        {
            Assert.Equal(closures[name].SystemPath, await lab.CurrentSystemAsync(name));
            Assert.Equal("system-2-link", await lab.GenerationAsync(name));
        }
    }

    [LabFact]
    public async Task An_unhealthy_service_in_the_new_configuration_rolls_the_host_back_to_its_previous_generation()
    {
        await using var lab = await ExecutionLab.StartAsync();
        var previous = await lab.CurrentSystemAsync("host-1");
        await lab.ConfigureAsync("host-1", "3.0", health: "unhealthy");
        var output = new RecordingOutput();

        var results = await lab.RunAsync(new DeployStepExecutor(ExecutionLab.Options(TimeSpan.FromSeconds(60))), lab.Plan("host-1"), output);

        var last = results[^1];
        Assert.True(last.Step.Kind == StepKind.Verify && last.Result.State == StepState.RolledBack, $"{last.Step.Id}: {last.Result.State} {last.Result.Message}\n{output.All}");
        Assert.Contains("500", last.Result.Message, StringComparison.Ordinal);
        Assert.Equal(previous, await lab.CurrentSystemAsync("host-1"));
        Assert.Equal("system-1-link", await lab.GenerationAsync("host-1"));
        Assert.DoesNotContain("system-2-link", await lab.SshAsync("host-1", "ls /nix/var/nix/profiles"), StringComparison.Ordinal);
    }

    [LabFact]
    public async Task With_rollback_turned_off_an_unhealthy_host_fails_and_keeps_its_new_generation()
    {
        await using var lab = await ExecutionLab.StartAsync();
        var previous = await lab.CurrentSystemAsync("host-1");
        await lab.ConfigureAsync("host-1", "3.1", health: "unhealthy");
        lab.UpdateFleet(f => f with { Deployment = f.Deployment with { RollbackOnFailure = false } });
        var output = new RecordingOutput();
        var executor = new DeployStepExecutor(ExecutionLab.Options(TimeSpan.FromSeconds(20)));

        var results = await lab.RunAsync(executor, lab.Plan("host-1"), output);

        var last = results[^1];
        Assert.True(last.Step.Kind == StepKind.Verify && last.Result.State == StepState.Failed, $"{last.Step.Id}: {last.Result.State} {last.Result.Message}\n{output.All}");
        Assert.Contains("not rolled back", last.Result.Message, StringComparison.Ordinal);
        // Confirmed, so the watchdog leaves it too: still on the new system after the confirm timeout.
        await Task.Delay(TimeSpan.FromSeconds(25));
        Assert.NotEqual(previous, await lab.CurrentSystemAsync("host-1"));
        Assert.Equal(executor.ClosureOf("host-1")!.SystemPath, await lab.CurrentSystemAsync("host-1"));
        Assert.Equal("system-2-link", await lab.GenerationAsync("host-1"));
    }

    [LabFact]
    public async Task A_host_with_build_on_target_builds_its_closure_on_the_target_and_activates_it()
    {
        await using var lab = await ExecutionLab.StartAsync();
        lab.UpdateHost("host-1", h => h with { BuildOnTarget = true });
        await lab.ConfigureAsync("host-1", "9.0");
        var executor = new DeployStepExecutor(ExecutionLab.Options());
        var output = new RecordingOutput();

        var results = await lab.RunAsync(executor, lab.Plan("host-1"), output);

        Assert.All(results, r => Assert.True(r.Result.State == StepState.Succeeded, $"{r.Step.Id}: {r.Result.Message}\n{output.All}"));
        var system = executor.ClosureOf("host-1")!.SystemPath;
        Assert.Equal(system, await lab.CurrentSystemAsync("host-1"));
        Assert.False(Directory.Exists(system), $"{system} was built on this machine, not on the target");
    }

    [LabFact]
    public async Task A_host_with_a_build_host_gets_the_closure_built_there()
    {
        await using var lab = await ExecutionLab.StartAsync(hosts: 2);
        lab.UpdateHost("host-1", h => h with { BuildHost = "root@" + lab.Address("host-2") });
        await lab.ConfigureAsync("host-1", "15.0");
        var executor = new DeployStepExecutor(ExecutionLab.Options());
        var output = new RecordingOutput();

        var results = await lab.RunAsync(executor, lab.Plan("host-1"), output);

        Assert.All(results, r => Assert.True(r.Result.State == StepState.Succeeded, $"{r.Step.Id}: {r.Result.Message}\n{output.All}"));
        var system = executor.ClosureOf("host-1")!.SystemPath;
        Assert.Equal(system, await lab.CurrentSystemAsync("host-1"));
        Assert.Equal("built there", await lab.SshAsync("host-2", $"test -e {RemoteShell.Quote(system)} && echo 'built there'"));
    }

    [LabFact]
    public async Task Goal_test_activates_without_changing_the_profile_and_dry_activate_changes_nothing()
    {
        await using var lab = await ExecutionLab.StartAsync();
        var first = await lab.CurrentSystemAsync("host-1");
        await lab.ConfigureAsync("host-1", "10.0");
        var output = new RecordingOutput();

        var dry = await lab.RunAsync(new DeployStepExecutor(ExecutionLab.Options() with { Goal = ActivationGoal.DryActivate }), lab.Plan("host-1"), output);

        Assert.All(dry, r => Assert.True(r.Result.State == StepState.Succeeded, $"{r.Step.Id}: {r.Result.Message}\n{output.All}"));
        Assert.Contains("would restart service web", output.All, StringComparison.Ordinal);
        Assert.Equal(first, await lab.CurrentSystemAsync("host-1"));
        Assert.Equal("system-1-link", await lab.GenerationAsync("host-1"));

        var executor = new DeployStepExecutor(ExecutionLab.Options() with { Goal = ActivationGoal.Test });
        var tested = await lab.RunAsync(executor, lab.Plan("host-1"), output);

        Assert.All(tested, r => Assert.True(r.Result.State == StepState.Succeeded, $"{r.Step.Id}: {r.Result.Message}\n{output.All}"));
        Assert.Equal(executor.ClosureOf("host-1")!.SystemPath, await lab.CurrentSystemAsync("host-1"));
        Assert.Equal("system-1-link", await lab.GenerationAsync("host-1"));
    }
}
