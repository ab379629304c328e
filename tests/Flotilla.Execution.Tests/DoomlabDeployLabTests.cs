using Flotilla.Inventory;

namespace Flotilla.Execution.Tests;

/// <summary>
/// The seeds' fleet as their users write it (tests/Flotilla.Core.Tests/Fixtures/doomlab: seed
/// 000's services.dagger homebridge with its limits, seed 001's nixarr set, a compose2nix
/// oci-containers host) deployed on the lab with real podman and the lab's registry.
/// </summary>
public sealed class DoomlabDeployLabTests
{
    [LabFact]
    public async Task The_seeds_containers_come_up_in_dependency_order_each_health_gated_with_their_limits_and_user()
    {
        using var directory = new TempDirectory();
        NixFixtures.CopyTo(directory, "doomlab");
        var source = await InventoryLoader.LoadAsync(directory.Path, directory.Path);
        Assert.DoesNotContain(source.Diagnostics, d => d.IsError);
        await using var lab = await ExecutionLab.StartAsync(source);
        foreach (var host in new[] { "svr1chng", "svr2chng", "svr3chng" })
        {
            await lab.ConfigureAsync(host, "2.0");
        }

        var output = new RecordingOutput();
        var results = await lab.RunAsync(new DeployStepExecutor(ExecutionLab.Options(TimeSpan.FromSeconds(60))), lab.Plan("svr1chng", "svr2chng", "svr3chng"), output);

        Assert.All(results, r => Assert.True(r.Result.State == StepState.Succeeded, $"{r.Step.Id}: {r.Result.State} {r.Result.Message}\n{output.All}"));
        var order = results.Select(r => r.Step.Id).ToList();
        int At(string step) => order.IndexOf(step) is >= 0 and var i ? i : throw new Xunit.Sdk.XunitException($"no step {step} in {string.Join(", ", order)}");
        // Seed 001's dependencies: sonarr and radarr after prowlarr and transmission, bazarr after both.
        foreach (var (before, after) in new[] { ("prowlarr", "sonarr"), ("transmission", "sonarr"), ("prowlarr", "radarr"), ("transmission", "radarr"), ("sonarr", "bazarr"), ("radarr", "bazarr") })
        {
            Assert.True(At("container:svr2chng/" + before) < At("container:svr2chng/" + after), $"{before} is not gated before {after}: {string.Join(", ", order)}");
        }

        Assert.True(At("activate:svr1chng") < At("container:svr1chng/homebridge"), string.Join(", ", order));

        // Every container running and healthy, as `flotilla services` reads them.
        var statuses = await new ServiceStatusReader(ExecutionLab.Options()).ReadAsync(lab.Fleet, lab.Fleet.Hosts);
        var declared = statuses.Where(s => s.Kind == ServiceKind.Container && lab.Fleet.Services.Any(d => d.Host == s.Host && d.Name == s.Name)).ToList();
        Assert.Equal(9, declared.Count);
        Assert.All(declared, s => Assert.True(s.State == ServiceState.Running && s.Healthy != false, $"{s.Host}/{s.Name}: {s.State} healthy={s.Healthy} {s.Message}"));

        // Seed 000's limits on homebridge, seed 001's user on the nixarr set, in podman's own words.
        Assert.Equal("2147483648 2000000000 1000 host", await lab.SshAsync("svr1chng", "podman inspect homebridge --format '{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}} {{.HostConfig.PidsLimit}} {{.HostConfig.NetworkMode}}'"));
        foreach (var service in new[] { "sonarr", "radarr", "prowlarr", "bazarr", "transmission", "jellyfin" })
        {
            Assert.Equal("568:568", await lab.SshAsync("svr2chng", $"podman inspect {service} --format '{{{{.Config.User}}}}'"));
        }
    }
}
