using Flotilla.Inventory;
using Flotilla.Processes;
using Flotilla.Tests.Support;

namespace Flotilla.Execution.Tests;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SshConnectionSharingTests
{
    [Fact]
    public void Commands_share_one_connection_per_host_kept_for_the_persist_time()
    {
        using var directory = new TempDirectory();
        var ssh = new SshTransport(new SshOptions { Persist = TimeSpan.FromSeconds(45), ControlDirectory = Path.Combine(directory.Path, "ssh") });

        var arguments = ssh.SshArguments(new Target("10.0.0.5"));

        Assert.Contains("ControlMaster=auto", arguments);
        Assert.Contains("ControlPath=" + Path.Combine(directory.Path, "ssh", "%C"), arguments);
        Assert.Contains("ControlPersist=45", arguments);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.Combine(directory.Path, "ssh")));
    }

    [Fact]
    public void Without_a_persist_time_every_command_opens_its_own_connection()
    {
        var arguments = new SshTransport(new SshOptions { Persist = null }).SshArguments(new Target("10.0.0.5"));

        Assert.DoesNotContain(arguments, a => a.StartsWith("Control", StringComparison.Ordinal));
    }

    [Fact]
    public void A_socket_directory_that_others_can_write_to_is_not_used()
    {
        using var directory = new TempDirectory();
        var shared = Path.Combine(directory.Path, "shared");
        Directory.CreateDirectory(shared);
        File.SetUnixFileMode(shared, (UnixFileMode)0b111_111_111);

        var arguments = new SshTransport(new SshOptions { ControlDirectory = shared }).SshArguments(new Target("10.0.0.5"));

        Assert.DoesNotContain(arguments, a => a.StartsWith("Control", StringComparison.Ordinal));
    }

    [Fact]
    public void A_socket_path_too_long_for_a_unix_socket_turns_sharing_off()
    {
        using var directory = new TempDirectory();
        var deep = Path.Combine(directory.Path, new string('d', 80));

        var arguments = new SshTransport(new SshOptions { ControlDirectory = deep }).SshArguments(new Target("10.0.0.5"));

        Assert.DoesNotContain(arguments, a => a.StartsWith("Control", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(null, 60)]
    [InlineData("", 60)]
    [InlineData("30", 30)]
    [InlineData("soon", 60)]
    [InlineData("no", null)]
    [InlineData("off", null)]
    [InlineData("0", null)]
    public void The_persist_time_comes_from_FLOTILLA_SSH_PERSIST(string? value, int? seconds) =>
        Assert.Equal(seconds is { } s ? TimeSpan.FromSeconds(s) : null, SshConnectionSharing.ParsePersist(value));

    [LabFact]
    public async Task A_second_command_goes_through_the_first_ones_connection_which_the_lab_closes_when_it_goes_down()
    {
        var ssh = new SshTransport();
        Target target;
        await using (var lab = await ExecutionLab.StartAsync())
        {
            target = lab.Host("host-1").Target;
            var first = await ssh.RunCommandAsync(target, "echo $SSH_CONNECTION");
            Assert.True(first.Succeeded, first.Error);
            Assert.Equal(0, await CheckAsync(target));

            // Both sessions ran in the one connection: same client port.
            var second = await ssh.RunCommandAsync(target, "echo $SSH_CONNECTION");
            Assert.Equal(first.Output, second.Output);

            await SshConnectionSharing.CloseAsync(target);
            Assert.NotEqual(0, await CheckAsync(target));
            Assert.True((await ssh.RunAsync(target, ["true"])).Succeeded);
            Assert.Equal(0, await CheckAsync(target));
        }

        Assert.NotEqual(0, await CheckAsync(target));
    }

    private static async Task<int> CheckAsync(Target target) =>
        (await ProcessRunner.RunAsync("ssh", ["-O", "check", "-o", "ControlPath=" + Path.Combine(SshConnectionSharing.DefaultDirectory(), "%C"), "root@" + target.Address], null, null, null, default)).ExitCode;
}
