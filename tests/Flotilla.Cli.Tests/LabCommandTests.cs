using Flotilla.Tests.Support;

namespace Flotilla.Tests;

/// <summary>The <c>flotilla lab</c> commands end to end, on a real lab (root, namespaces, nix, sshd).</summary>
public sealed class LabCommandTests
{
    private const string StateRoot = "/var/lib/flotilla/lab-tests";

    [LabFact]
    public async Task Lab_up_status_fault_and_down_work_from_the_command_line()
    {
        var name = "c-" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            var up = await CliRunner.RunAsync(Repository.Root, "lab", "up", "--name", name, "--state-dir", StateRoot, "-f", "examples/homelab");
            Assert.True(up.ExitCode == 0, up.Error);
            var inventory = up.Output.Trim().Split('\n')[^1];
            Assert.True(File.Exists(Path.Combine(inventory, "flake.nix")), inventory);

            var printed = await CliRunner.RunAsync(Repository.Root, "lab", "inventory", "--name", name, "--state-dir", StateRoot);
            Assert.Equal(inventory, printed.Output.Trim().Split('\n')[^1]);

            var hosts = await CliRunner.RunAsync(Repository.Root, "hosts", "-f", inventory, "--json");
            Assert.True(hosts.ExitCode == 0, hosts.Error);
            Assert.Contains("\"name\": \"hsb0\"", hosts.Output, StringComparison.Ordinal);

            var fault = await CliRunner.RunAsync(Repository.Root, "lab", "fault", "--name", name, "--state-dir", StateRoot, "hsb1", "sshd-stop");
            Assert.True(fault.ExitCode == 0, fault.Error);
            var status = await CliRunner.RunAsync(Repository.Root, "lab", "status", "--name", name, "--state-dir", StateRoot);
            Assert.Equal(0, status.ExitCode);
            var hsb1 = Assert.Single(status.Output.Split('\n'), l => l.StartsWith("hsb1 ", StringComparison.Ordinal));
            var columns = hsb1.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(["hsb1", "yes", "up", "no"], [columns[0], columns[2], columns[3], columns[4]]);

            var unknown = await CliRunner.RunAsync(Repository.Root, "lab", "fault", "--name", name, "--state-dir", StateRoot, "hsb1", "meltdown");
            Assert.Equal(1, unknown.ExitCode);
            Assert.Contains("unknown fault", unknown.Error, StringComparison.Ordinal);
        }
        finally
        {
            var down = await CliRunner.RunAsync(Repository.Root, "lab", "down", "--name", name, "--state-dir", StateRoot);
            Assert.True(down.ExitCode == 0, down.Error);
        }

        Assert.False(Directory.Exists(Path.Combine(StateRoot, name)));
    }
}
