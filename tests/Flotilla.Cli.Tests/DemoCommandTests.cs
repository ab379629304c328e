using Flotilla.Tests.Support;

namespace Flotilla.Tests;

/// <summary><c>flotilla demo</c> from start to <c>--down</c>, on a real lab of examples/homelab.</summary>
public sealed class DemoCommandTests
{
    [LabFact]
    public async Task Demo_deploys_rolls_a_broken_host_back_leaves_a_healthy_lab_and_down_removes_it()
    {
        var name = "demo-" + Guid.NewGuid().ToString("N")[..8];
        var labDirectory = Path.Combine(CliLab.StateRoot, name);
        try
        {
            var demo = await CliRunner.RunAsync(Repository.Root, "demo", "--name", name, "--state-dir", CliLab.StateRoot);
            Assert.True(demo.ExitCode == 0, demo.Output + demo.Error);
            Assert.Contains("verify:hsb0 rolled back", demo.Output, StringComparison.Ordinal);
            Assert.Contains("hsb0 failed its health checks and was rolled back", demo.Output, StringComparison.Ordinal);
            var hsb1 = Assert.Single(demo.Output.Split('\n'), l => l.StartsWith("hsb1 ", StringComparison.Ordinal));
            Assert.Equal(["hsb1", "2", "yes", "no", "healthy"], hsb1.Split(' ', StringSplitOptions.RemoveEmptyEntries)[..5]);
            Assert.Contains($"./flotilla demo --down --name {name}", demo.Output, StringComparison.Ordinal);
            Assert.True(Directory.Exists(labDirectory), "the lab stays up after the demo");

            var status = await CliRunner.RunAsync(Repository.Root, "status", "-f", Path.Combine(labDirectory, "inventory"), "--substituters", "");
            Assert.True(status.ExitCode == 0, status.Output + status.Error);
        }
        finally
        {
            var down = await CliRunner.RunAsync(Repository.Root, "demo", "--down", "--name", name, "--state-dir", CliLab.StateRoot);
            Assert.True(down.ExitCode == 0, down.Error);
        }

        Assert.False(Directory.Exists(labDirectory));
        var lab = await CliRunner.RunAsync(Repository.Root, "lab", "status", "--name", name, "--state-dir", CliLab.StateRoot);
        Assert.NotEqual(0, lab.ExitCode);
    }
}
