using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using Flotilla.Cli;
using Flotilla.Contracts;
using Flotilla.Tests.Support;

namespace Flotilla.Tests;

/// <summary>The CLI's control-plane commands against a real server and agents (SQLite).</summary>
public sealed class ControlPlaneCliTests(SqliteTargets targets) : IClassFixture<SqliteTargets>
{
    private static async Task<(int Code, string Output, string Error)> FlotillaAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await FlotillaCli.RunAsync(args, output, error, Directory.GetCurrentDirectory());
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Remote_run_streams_each_hosts_output_with_its_name_and_exits_with_the_commands_status()
    {
        await using var plane = await ControlPlaneHarness.StartAsync(await targets.NewAsync());
        plane.StartAgent(await plane.AddHostAsync("web1"));
        plane.StartAgent(await plane.AddHostAsync("web2"));
        await plane.WaitForStatusAsync("web1", "online");
        await plane.WaitForStatusAsync("web2", "online");
        using var dir = new TempDirectory();
        var tokenFile = dir.Write("api-token", plane.ApiToken);

        var ok = await FlotillaAsync("remote", "run", "--url", plane.BaseUrl, "--token-file", tokenFile, "--on", "web*", "--", "sh", "-c", "echo hello; echo oops >&2");
        Assert.Equal(0, ok.Code);
        Assert.Equal(["web1 | hello", "web2 | hello"], ok.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));
        Assert.Contains("web1 | oops", ok.Error, StringComparison.Ordinal);

        var failed = await FlotillaAsync("remote", "run", "--url", plane.BaseUrl, "--token", plane.ApiToken, "--on", "all", "--", "sh", "-c", "exit 7");
        Assert.Equal(1, failed.Code);
        Assert.Contains("web1: failed (exit 7)", failed.Error, StringComparison.Ordinal);
        Assert.Contains("web2: failed (exit 7)", failed.Error, StringComparison.Ordinal);

        var unknown = await FlotillaAsync("remote", "run", "--url", plane.BaseUrl, "--token", plane.ApiToken, "--on", "nosuch", "--", "true");
        Assert.Equal(2, unknown.Code);
        Assert.Contains("unknown host \"nosuch\"", unknown.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Remote_hosts_lists_hosts_online_and_offline_and_refuses_a_bad_token()
    {
        await using var plane = await ControlPlaneHarness.StartAsync(await targets.NewAsync());
        plane.StartAgent(await plane.AddHostAsync("web1"));
        await plane.AddHostAsync("db1");
        await plane.WaitForStatusAsync("web1", "online");

        var listed = await FlotillaAsync("remote", "hosts", "--url", plane.BaseUrl, "--token", plane.ApiToken);
        Assert.Equal(0, listed.Code);
        var lines = listed.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("NAME", lines[0], StringComparison.Ordinal);
        Assert.Matches("^db1 +offline", lines[1]);
        Assert.Matches("^web1 +online", lines[2]);

        var refused = await FlotillaAsync("remote", "hosts", "--url", plane.BaseUrl, "--token", "flt_api_nope");
        Assert.Equal(1, refused.Code);
        Assert.Contains("401", refused.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Hosts_add_prints_the_token_last_and_the_store_keeps_only_its_hash()
    {
        var target = await targets.NewAsync();
        var added = await FlotillaAsync(["hosts", "add", "web1", .. target.Arguments]);
        Assert.Equal(0, added.Code);
        var token = added.Output.TrimEnd().Split('\n')[^1];
        Assert.StartsWith("flt_host_", token, StringComparison.Ordinal);
        var api = await FlotillaAsync(["tokens", "create-api", "ci", .. target.Arguments]);
        var apiToken = api.Output.TrimEnd().Split('\n')[^1];
        Assert.StartsWith("flt_api_", apiToken, StringComparison.Ordinal);

        var again = await FlotillaAsync(["hosts", "add", "web1", .. target.Arguments]);
        Assert.Equal(2, again.Code);
        Assert.Contains("--replace", again.Error, StringComparison.Ordinal);

        foreach (var file in Directory.EnumerateFiles(target.DataDirectory!))
        {
            var bytes = System.Text.Encoding.UTF8.GetString(File.ReadAllBytes(file));
            Assert.DoesNotContain(token["flt_host_".Length..], bytes, StringComparison.Ordinal);
            Assert.DoesNotContain(apiToken["flt_api_".Length..], bytes, StringComparison.Ordinal);
        }

        Assert.Equal(0, (await FlotillaAsync(["tokens", "revoke", "web1", .. target.Arguments])).Code);
        Assert.Equal(2, (await FlotillaAsync(["tokens", "revoke", "nosuch", .. target.Arguments])).Code);
    }

    [Theory]
    [InlineData("web1\n")]
    [InlineData("web1\r\n")]
    [InlineData("web1 ")]
    [InlineData("-web1")]
    [InlineData("")]
    public async Task Hosts_add_and_create_api_refuse_a_name_that_is_not_a_host_name_even_with_a_newline_at_its_end(string name)
    {
        var target = await targets.NewAsync();

        var added = await FlotillaAsync(["hosts", "add", name, .. target.Arguments]);

        Assert.Equal(2, added.Code);
        Assert.Contains("is not a host name", added.Error, StringComparison.Ordinal);
        var api = await FlotillaAsync(["tokens", "create-api", name, .. target.Arguments]);
        Assert.Equal(2, api.Code);
        Assert.Contains("is not a token name", api.Error, StringComparison.Ordinal);
        await using var store = await target.OpenAsync();
        Assert.Empty(await store.ListHostsAsync());
    }

    [Fact]
    public async Task The_shared_enrolment_token_enrols_an_agent_under_its_hostname()
    {
        const string Shared = "nixfleet-style-shared-secret";
        await using var plane = await ControlPlaneHarness.StartAsync(await targets.NewAsync(), o => o.EnrolmentToken = Shared);
        using var dir = new TempDirectory();
        plane.StartAgent(dir.Write("shared", Shared));

        var hostname = Environment.MachineName.Split('.')[0];
        await plane.WaitForStatusAsync(hostname, "online");
    }

    [Fact]
    public async Task The_shared_enrolment_token_cannot_take_over_a_host_that_has_its_own_token()
    {
        const string Shared = "nixfleet-style-shared-secret";
        await using var plane = await ControlPlaneHarness.StartAsync(await targets.NewAsync(), o => o.EnrolmentToken = Shared);
        var own = await plane.AddHostAsync("web1");
        var queued = Assert.Single((await plane.RunAsync("web1", "echo", "for web1 only")).Commands);
        using var impostor = new ClientWebSocket();
        impostor.Options.SetRequestHeader("Authorization", "Bearer " + Shared);
        await impostor.ConnectAsync(new Uri(plane.AgentUrl), CancellationToken.None);

        await impostor.SendAsync(Encoding.UTF8.GetBytes(Register("web1")), WebSocketMessageType.Text, true, CancellationToken.None);

        var (received, status, reason) = await ReadUntilCloseAsync(impostor);
        Assert.Empty(received);
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, status);
        Assert.Contains("web1", reason, StringComparison.Ordinal);
        Assert.Equal("offline", (await plane.HostAsync("web1"))!.Status);
        Assert.Equal("queued", (await plane.CommandAsync(queued.Id)).State);

        // The host's own agent still gets its command.
        plane.StartAgent(own);
        await plane.WaitForStateAsync(queued.Id, "succeeded");
    }

    [Fact]
    public async Task Enrolment_refuses_a_hostname_that_ends_in_a_newline()
    {
        const string Shared = "nixfleet-style-shared-secret";
        await using var plane = await ControlPlaneHarness.StartAsync(await targets.NewAsync(), o => o.EnrolmentToken = Shared);
        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", "Bearer " + Shared);
        await socket.ConnectAsync(new Uri(plane.AgentUrl), CancellationToken.None);

        await socket.SendAsync(Encoding.UTF8.GetBytes(Register("web2\\n")), WebSocketMessageType.Text, true, CancellationToken.None);

        var (received, status, reason) = await ReadUntilCloseAsync(socket);
        Assert.Empty(received);
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, status);
        Assert.StartsWith("the hostname is not a valid host name", reason, StringComparison.Ordinal);
        Assert.Empty(await plane.HostsAsync());
    }

    [Fact]
    public async Task An_enrolled_agent_gets_its_own_token_stores_it_and_stops_using_the_shared_one()
    {
        const string Shared = "nixfleet-style-shared-secret";
        await using var plane = await ControlPlaneHarness.StartAsync(await targets.NewAsync(), o => o.EnrolmentToken = Shared);
        using var dir = new TempDirectory();
        var sharedFile = dir.Write("shared", Shared);
        var state = Path.Combine(dir.Path, "state");
        var hostname = Environment.MachineName.Split('.')[0];
        var agent = plane.StartAgent(sharedFile, stateDirectory: state);
        await plane.WaitForStatusAsync(hostname, "online");

        // The host has a token of its own, and the agent keeps it (0600), not the shared one.
        await Eventually.WaitAsync(() => Task.FromResult(File.Exists(Path.Combine(state, "host-token"))), () => "the agent kept no token: " + plane.AgentLogs);
        await using (var store = await plane.Target.OpenAsync())
        {
            var stored = File.ReadAllText(Path.Combine(state, "host-token"));
            var own = stored.Split('\n')[0];
            Assert.StartsWith("flt_host_", own, StringComparison.Ordinal);
            Assert.Equal(Flotilla.ControlPlane.Tokens.Hash(own), (await store.HostTokenHashesAsync())[hostname]);
            Assert.DoesNotContain(Shared, stored, StringComparison.Ordinal);
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(state, "host-token")));
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(state));
            }
        }

        // Started again with the same token file, it connects with its own token: the shared one
        // cannot take over a host that has a token, so it would be refused.
        agent.KillHard();
        await plane.WaitForStatusAsync(hostname, "offline");
        plane.StartAgent(sharedFile, stateDirectory: state);
        await plane.WaitForStatusAsync(hostname, "online");
        Assert.DoesNotContain("closed the connection", plane.AgentLogs, StringComparison.Ordinal);
    }

    private static string Register(string hostname) =>
        "{\"type\":\"register\",\"protocol\":1,\"facts\":{\"hostname\":\"" + hostname + "\",\"platform\":\"linux\",\"agentVersion\":\"1\"},\"heartbeatIntervalSeconds\":1,\"commands\":[]}";

    /// <summary>The messages the server sent before its close frame, and the close frame's status and reason.</summary>
    private static async Task<(List<string> Received, WebSocketCloseStatus? Status, string Reason)> ReadUntilCloseAsync(ClientWebSocket socket)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var buffer = new byte[65536];
        var received = new List<string>();
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, timeout.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return (received, result.CloseStatus, result.CloseStatusDescription ?? "");
            }

            received.Add(Encoding.UTF8.GetString(buffer, 0, result.Count));
        }
    }

    [Fact]
    public async Task Arbitrary_commands_are_refused_unless_the_server_allows_them_but_ops_are_accepted()
    {
        await using var plane = await ControlPlaneHarness.StartAsync(await targets.NewAsync(), o => o.AllowArbitraryCommands = false);
        await plane.AddHostAsync("web1");

        using var exec = await plane.Api.PostAsJsonAsync("/api/commands", new CreateCommandsRequest("web1", Argv: ["rm", "-rf", "/"]), ApiJsonContext.Default.CreateCommandsRequest);
        Assert.Equal(HttpStatusCode.BadRequest, exec.StatusCode);
        Assert.Contains("--allow-commands", (await exec.Content.ReadFromJsonAsync(ApiJsonContext.Default.ErrorView))!.Error, StringComparison.Ordinal);

        using var op = await plane.Api.PostAsJsonAsync("/api/commands", new CreateCommandsRequest("web1", Op: "switch"), ApiJsonContext.Default.CreateCommandsRequest);
        Assert.Equal(HttpStatusCode.Created, op.StatusCode);
        using var unknown = await plane.Api.PostAsJsonAsync("/api/commands", new CreateCommandsRequest("web1", Op: "format-disk"), ApiJsonContext.Default.CreateCommandsRequest);
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
    }

    [Fact]
    public async Task Metrics_count_hosts_online_commands_by_state_and_messages_in_prometheus_text()
    {
        await using var plane = await ControlPlaneHarness.StartAsync(await targets.NewAsync());
        plane.StartAgent(await plane.AddHostAsync("web1"));
        await plane.WaitForStatusAsync("web1", "online");
        var command = Assert.Single((await plane.RunAsync("web1", "true")).Commands);
        await plane.WaitForStateAsync(command.Id, "succeeded");

        // An agent is online from its registration; its first heartbeat may come a moment later.
        using var anonymous = new HttpClient();
        var text = await anonymous.GetStringAsync(plane.BaseUrl + "/metrics");
        for (var i = 0; i < 100 && !System.Text.RegularExpressions.Regex.IsMatch(text, "flotilla_heartbeat_handling_seconds_count [1-9]"); i++)
        {
            await Task.Delay(100);
            text = await anonymous.GetStringAsync(plane.BaseUrl + "/metrics");
        }

        Assert.Contains("# TYPE flotilla_hosts_online gauge\nflotilla_hosts_online 1\n", text, StringComparison.Ordinal);
        Assert.Contains("flotilla_agent_connections 1\n", text, StringComparison.Ordinal);
        Assert.Contains("flotilla_commands_finished_total{state=\"succeeded\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("flotilla_commands{state=\"running\"} 0\n", text, StringComparison.Ordinal);
        Assert.Matches("flotilla_agent_messages_total [1-9]", text);
        Assert.Contains("# TYPE flotilla_agent_messages_per_second gauge", text, StringComparison.Ordinal);

        // Histograms: heartbeats handled, the command's run time by final state, store commits.
        Assert.Contains("# TYPE flotilla_heartbeat_handling_seconds histogram\n", text, StringComparison.Ordinal);
        Assert.Matches("flotilla_heartbeat_handling_seconds_count [1-9]", text);
        Assert.Contains("flotilla_command_duration_seconds_count{state=\"succeeded\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("flotilla_command_duration_seconds_bucket{state=\"succeeded\",le=\"+Inf\"} 1\n", text, StringComparison.Ordinal);
        Assert.Matches("flotilla_store_write_seconds_count [1-9]", text);
        Assert.Matches(@"flotilla_store_write_seconds_sum [0-9.e-]+\n", text);
    }
}
