using Flotilla.Inventory;

namespace Flotilla.Execution.Tests;

public sealed class SshTransportTests
{
    [Fact]
    public void Ssh_runs_in_batch_mode_with_the_targets_user_and_port()
    {
        var ssh = new SshTransport(new SshOptions { ConnectTimeout = TimeSpan.FromSeconds(7) });

        var arguments = ssh.SshArguments(new Target("10.0.0.5", "deploy", 2222));

        Assert.Equal("deploy@10.0.0.5", arguments[^1]);
        Assert.Contains("BatchMode=yes", arguments);
        Assert.Contains("ConnectTimeout=7", arguments);
        Assert.Equal("2222", arguments[arguments.ToList().IndexOf("-p") + 1]);
    }

    [Theory]
    [InlineData("-oProxyCommand=touch /tmp/pwned", "root")]
    [InlineData("host", "-oProxyCommand=x")]
    [InlineData("host name", "root")]
    public void A_destination_that_ssh_would_read_as_an_option_is_refused(string address, string user) =>
        Assert.Throws<ArgumentException>(() => new SshTransport().SshArguments(new Target(address, user)));

    [Fact]
    public async Task An_unreachable_host_answers_with_exit_code_255_instead_of_hanging()
    {
        var ssh = new SshTransport(new SshOptions { ConnectTimeout = TimeSpan.FromSeconds(1) });

        var result = await ssh.RunAsync(new Target("127.0.0.1", "root", 1), ["true"]);

        Assert.Equal(255, result.ExitCode);
        Assert.False(result.Succeeded);
    }
}
