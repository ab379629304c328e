using System.Text.Json.Nodes;

namespace Flotilla.Execution.Tests;

public sealed class RollbackAndStatusLabTests
{
    [LabFact]
    public async Task Rollback_switches_to_the_previous_generation_and_confirms_it_when_healthy()
    {
        await using var lab = await ExecutionLab.StartAsync();
        var first = await lab.CurrentSystemAsync("host-1");
        await lab.ConfigureAsync("host-1", "8.0");
        var deployed = await lab.RunAsync(new DeployStepExecutor(ExecutionLab.Options()), lab.Plan("host-1"), new RecordingOutput());
        Assert.All(deployed, r => Assert.Equal(StepState.Succeeded, r.Result.State));
        var lines = new List<string>();

        var result = await new HostRollback(ExecutionLab.Options()).RollbackAsync(lab.Fleet, lab.Host("host-1"), lines.Add);

        Assert.True(result.State == StepState.Succeeded, $"{result.Message}\n{string.Join('\n', lines)}");
        Assert.Equal(first, await lab.CurrentSystemAsync("host-1"));
        Assert.Equal("system-1-link", await lab.GenerationAsync("host-1"));
    }

    [LabFact]
    public async Task Rollback_without_a_previous_generation_fails_and_leaves_the_host_as_it_was()
    {
        await using var lab = await ExecutionLab.StartAsync();
        var first = await lab.CurrentSystemAsync("host-1");

        var result = await new HostRollback(ExecutionLab.Options()).RollbackAsync(lab.Fleet, lab.Host("host-1"));

        Assert.Equal(StepState.Failed, result.State);
        Assert.Equal(first, await lab.CurrentSystemAsync("host-1"));
        Assert.Equal("system-1-link", await lab.GenerationAsync("host-1"));
    }

    [LabFact]
    public async Task Status_reports_the_generation_whether_the_host_is_up_to_date_and_whether_it_needs_a_reboot()
    {
        await using var lab = await ExecutionLab.StartAsync();
        var reader = new HostStatusReader(ExecutionLab.Options());

        var fresh = (await reader.ReadAsync(lab.Fleet, [lab.Host("host-1")])).Single();

        Assert.Equal((1, false, true), (fresh.Generation, fresh.NeedsReboot, fresh.UpToDate));
        Assert.Equal(await lab.CurrentSystemAsync("host-1"), fresh.CurrentSystem);

        var file = lab.Lab.HostConfigurationPath("host-1");
        var json = JsonNode.Parse(await File.ReadAllTextAsync(file))!;
        json["kernel"] = "6.99-new";
        await File.WriteAllTextAsync(file, json.ToJsonString());
        var changed = (await reader.ReadAsync(lab.Fleet, [lab.Host("host-1")])).Single();
        Assert.Equal((1, false, false), (changed.Generation, changed.NeedsReboot, changed.UpToDate));

        var deployed = await lab.RunAsync(new DeployStepExecutor(ExecutionLab.Options()), lab.Plan("host-1"), new RecordingOutput());
        Assert.All(deployed, r => Assert.Equal(StepState.Succeeded, r.Result.State));
        var after = (await reader.ReadAsync(lab.Fleet, [lab.Host("host-1")])).Single();
        Assert.Equal((2, true, true), (after.Generation, after.NeedsReboot, after.UpToDate));
    }
}
