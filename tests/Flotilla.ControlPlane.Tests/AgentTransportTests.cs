using Flotilla.Execution;
using Flotilla.Inventory;
using Flotilla.Tests.Support;

namespace Flotilla.Tests;

/// <summary>
/// The engine's agent transport against a real server and a real agent process: a step's
/// command line runs on the host by its shell, its lines come back as they are printed, its exit
/// code is the step's; its input (keys) reaches the program and is never stored; what it cannot
/// do (a host the server does not know) is said.
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
    public async Task An_unknown_host_and_a_run_without_a_server_are_refused_with_what_to_do()
    {
        await using var plane = await ControlPlaneHarness.StartAsync(await targets.NewAsync());
        plane.StartAgent(await plane.AddHostAsync("nat1"));
        await plane.WaitForStatusAsync("nat1", "online");
        using var client = new ControlPlaneClient(new Uri(plane.BaseUrl + "/"), plane.ApiToken);
        var agents = await AgentTransport.ConnectAsync(client);

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
    public async Task Input_reaches_the_program_through_the_agent_and_is_never_stored_and_a_restart_fails_a_command_that_waited_with_it()
    {
        using var files = new TempDirectory();
        var target = await targets.NewAsync();
        await using var plane = await ControlPlaneHarness.StartAsync(target);
        plane.StartAgent(await plane.AddHostAsync("nat1"));
        await plane.AddHostAsync("nat2");
        await plane.WaitForStatusAsync("nat1", "online");
        using var client = new ControlPlaneClient(new Uri(plane.BaseUrl + "/"), plane.ApiToken);
        var agents = await AgentTransport.ConnectAsync(client);
        const string Secret = "AGE-SECRET-KEY-1QQQ-not-a-real-one";
        var keyFile = Path.Combine(files.Path, "key");

        var uploaded = await agents.RunAsync(HostNamed("nat1"), ["sh", "-c", "umask 077; cat > \"$1\"; wc -c < \"$1\"", "sh", keyFile], Secret + "\n");
        Assert.True(uploaded.Succeeded, uploaded.Error);
        Assert.Equal((Secret.Length + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), uploaded.Output.Trim());
        Assert.Equal(Secret + "\n", await File.ReadAllTextAsync(keyFile));

        // A command with input waits for nat2, which is offline; the server restarts and forgets
        // the input: the command fails rather than run without it.
        var waiting = await client.CreateCommandsAsync(new Flotilla.Contracts.CreateCommandsRequest("nat2", Argv: ["sh", "-c", "cat > /dev/null"]) { Input = Secret });
        var queued = Assert.Single(waiting.Commands);
        Assert.Equal("queued", queued.State);
        await plane.RestartServerAsync();
        var failed = await plane.CommandAsync(queued.Id);
        Assert.Equal("failed", failed.State);
        Assert.Contains("input was held in memory", failed.Message, StringComparison.Ordinal);

        // Input is for keys and secrets, held in memory: a megabyte at most.
        var tooLarge = await Assert.ThrowsAsync<ControlPlaneException>(() => client.CreateCommandsAsync(new Flotilla.Contracts.CreateCommandsRequest("nat1", Argv: ["true"]) { Input = new string('x', Flotilla.Contracts.Limits.MaxCommandInputCharacters + 1) }));
        Assert.Contains("input must be at most", tooLarge.Message, StringComparison.Ordinal);

        // Nowhere in the store: not in the database, its journal or the write-ahead log.
        foreach (var file in Directory.EnumerateFiles(target.DataDirectory!, "*", SearchOption.AllDirectories))
        {
            Assert.DoesNotContain(Secret, System.Text.Encoding.UTF8.GetString(await File.ReadAllBytesAsync(file)), StringComparison.Ordinal);
        }
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
