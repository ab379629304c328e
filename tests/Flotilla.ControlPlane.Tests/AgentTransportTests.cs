using Flotilla.Execution;
using Flotilla.Inventory;
using Flotilla.Tests.Support;

namespace Flotilla.Tests;

/// <summary>
/// The engine's agent transport against a real server and a real agent process: a step's
/// command line runs on the host by its shell, its lines come back as they are printed, its exit
/// code is the step's; what it cannot do (input, a host the server does not know) is said.
/// </summary>
public sealed class AgentTransportTests(SqliteTargets targets) : IClassFixture<SqliteTargets>
{
    private static Host HostNamed(string name, HostTransport transport = HostTransport.Auto) =>
        new() { Name = name, Hostname = name, Target = new Target("192.0.2.1"), Transport = transport };

    [Fact]
    public async Task A_command_line_runs_through_the_agent_with_its_lines_streams_and_exit_code()
    {
        await using var plane = await ControlPlaneHarness.StartAsync(await targets.NewAsync());
        plane.StartAgent(await plane.AddHostAsync("nat1"));
        await plane.WaitForStatusAsync("nat1", "online");
        using var client = new ControlPlaneClient(new Uri(plane.BaseUrl + "/"), plane.ApiToken);
        var agents = await AgentTransport.ConnectAsync(client);
        var host = HostNamed("nat1");
        Assert.True(agents.IsConnected(host));

        var lines = new List<string>();
        var result = await agents.RunCommandAsync(host, RemoteShell.Script("echo \"one $1\"; echo two >&2; exit 3", "it's"), null, lines.Add);

        Assert.Equal(3, result.ExitCode);
        Assert.Equal("one it's\n", result.Output);
        Assert.Equal("two\n", result.Error);
        Assert.Equal(["one it's", "two"], lines.Order(StringComparer.Ordinal));

        var succeeded = await agents.RunAsync(host, ["printf", "%s", "a b"]);
        Assert.True(succeeded.Succeeded, succeeded.Error);
        Assert.Equal("a b\n", succeeded.Output);
    }

    [Fact]
    public async Task Input_an_unknown_host_and_a_run_without_a_server_are_refused_with_what_to_do()
    {
        await using var plane = await ControlPlaneHarness.StartAsync(await targets.NewAsync());
        plane.StartAgent(await plane.AddHostAsync("nat1"));
        await plane.WaitForStatusAsync("nat1", "online");
        using var client = new ControlPlaneClient(new Uri(plane.BaseUrl + "/"), plane.ApiToken);
        var agents = await AgentTransport.ConnectAsync(client);

        var input = await agents.RunCommandAsync(HostNamed("nat1"), "cat", "secret");
        Assert.False(input.Succeeded);
        Assert.Contains("keys and secrets are uploaded over SSH only", input.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("secret\n", input.Output, StringComparison.Ordinal);

        var unknown = await agents.RunCommandAsync(HostNamed("ghost"), "true");
        Assert.Equal(255, unknown.ExitCode);
        Assert.Contains("knows no agent named ghost", unknown.Error, StringComparison.Ordinal);

        // Which way a host goes: an agent when it is connected, SSH when the host says so or no agent is.
        var transports = new HostTransports(new SshTransport(), agents);
        Assert.True(transports.ThroughAgent(HostNamed("nat1")));
        Assert.False(transports.ThroughAgent(HostNamed("nat1", HostTransport.Ssh)));
        Assert.False(transports.ThroughAgent(HostNamed("ghost")));
        Assert.Equal("nat1's agent (through " + plane.BaseUrl + "/)", transports.Describe(HostNamed("nat1")));

        var serverless = new HostTransports(new SshTransport());
        var refused = await serverless.RunCommandAsync(HostNamed("nat2", HostTransport.Agent), "true");
        Assert.Equal(255, refused.ExitCode);
        Assert.Contains("nat2 takes transport = \"agent\"", refused.Error, StringComparison.Ordinal);
        Assert.Contains("give --server URL", refused.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_without_the_exec_scope_fails_the_step_with_the_server_s_answer()
    {
        await using var plane = await ControlPlaneHarness.StartAsync(await targets.NewAsync());
        plane.StartAgent(await plane.AddHostAsync("nat1"));
        await plane.WaitForStatusAsync("nat1", "online");
        var token = (await plane.CliAsync("tokens", "create-api", "ops-only", "--scope", "ops")).LastLine;
        using var client = new ControlPlaneClient(new Uri(plane.BaseUrl + "/"), token);
        var agents = await AgentTransport.ConnectAsync(client);

        var result = await agents.RunCommandAsync(HostNamed("nat1"), "true");

        Assert.Equal(255, result.ExitCode);
        Assert.Contains("403", result.Error, StringComparison.Ordinal);
    }
}
