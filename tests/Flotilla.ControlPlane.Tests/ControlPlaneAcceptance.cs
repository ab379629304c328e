using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using Flotilla.Contracts;
using Microsoft.Extensions.DependencyInjection;
using Store = Flotilla.ControlPlane.Store;
using Flotilla.Tests.Support;

namespace Flotilla.Tests;

/// <summary>
/// The control plane end to end: Kestrel on loopback, real <c>flotilla agent</c> processes,
/// the HTTP API; on SQLite and on a real PostgreSQL server.
/// </summary>
public abstract class ControlPlaneAcceptance(IStoreTargets targets)
{
    private async Task<ControlPlaneHarness> StartAsync(Action<Flotilla.ControlPlane.ControlPlaneOptions>? configure = null) =>
        await ControlPlaneHarness.StartAsync(await targets.NewAsync(), configure);

    [Fact]
    public async Task An_agent_registers_with_its_facts_and_heartbeats_with_its_load()
    {
        await using var plane = await StartAsync();
        var token = await plane.AddHostAsync("web1");
        plane.StartAgent(token);

        await plane.WaitForStatusAsync("web1", "online");
        var first = (await plane.HostAsync("web1"))!;
        Assert.Equal(Environment.MachineName.Split('.')[0], first.Facts!.Hostname);
        Assert.False(string.IsNullOrEmpty(first.Facts.AgentVersion));
        await Eventually.WaitAsync(
            async () => (await plane.HostAsync("web1"))!.LastSeen > first.LastSeen,
            () => "the host's last heartbeat never advanced");
        var later = (await plane.HostAsync("web1"))!;
        Assert.True(later.Metrics!.MemoryTotalBytes > 0);
        Assert.True(later.Metrics.DiskTotalBytes > 0);
    }

    [Fact]
    public async Task A_host_that_misses_heartbeats_goes_offline_and_comes_back_when_its_agent_reconnects()
    {
        await using var plane = await StartAsync();
        var agent = plane.StartAgent(await plane.AddHostAsync("web1"));
        await plane.WaitForStatusAsync("web1", "online");

        // Frozen, the agent keeps its connection open but sends no heartbeat.
        agent.Signal("STOP");
        await plane.WaitForStatusAsync("web1", "offline");
        agent.Signal("CONT");

        await plane.WaitForStatusAsync("web1", "online");
    }

    [Fact]
    public async Task A_page_following_a_command_gets_every_line_once_in_order_when_a_later_line_arrives_first()
    {
        using var login = new DashboardLogin();
        await using var plane = await ControlPlaneHarness.StartAsync(await targets.NewAsync(), login.Configure, login.Build);
        var token = File.ReadAllText(await plane.AddHostAsync("web1")).Trim();
        await using var agent = await RawAgent.ConnectAsync(plane.AgentUrl, token, "web1");
        await plane.WaitForStatusAsync("web1", "online");
        var command = Assert.Single((await plane.RunAsync("web1", "sh", "-c", "mixed")).Commands);
        var run = await agent.NextRunAsync();
        await agent.SendAsync(new CommandStartedMessage(run.CommandId) { Seq = agent.NextSeq() });

        async Task SendStoredAsync(long line, OutputStream stream)
        {
            await agent.SendAsync(new OutputMessage(run.CommandId, line, stream, "line " + line) { Seq = agent.NextSeq() });
            await Eventually.WaitAsync(async () => (await plane.OutputAsync(command.Id)).Any(l => l.Line == line), () => $"line {line} was not stored");
        }

        await SendStoredAsync(1, OutputStream.Stdout);
        var followed = new List<long>();
        var commands = plane.Server.Services.GetRequiredService<Flotilla.Dashboard.ICommandService>();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var following = Task.Run(async () =>
        {
            await foreach (var line in commands.ReadOutputAsync(command.Id, 0, follow: true, stop.Token))
            {
                lock (followed)
                {
                    followed.Add(line.Sequence);
                }
            }
        });
        int Followed()
        {
            lock (followed)
            {
                return followed.Count;
            }
        }

        await Eventually.WaitAsync(() => Task.FromResult(Followed() == 1), () => "the follower did not get line 1");
        await SendStoredAsync(2, OutputStream.Stdout);
        await Eventually.WaitAsync(() => Task.FromResult(Followed() == 2), () => "the follower did not get line 2 live");
        // Line 4 (stderr) comes before line 3: the follower waits for 3, then gives 3 and 4.
        await SendStoredAsync(4, OutputStream.Stderr);
        await Task.Delay(500);
        await SendStoredAsync(3, OutputStream.Stdout);
        await Eventually.WaitAsync(() => Task.FromResult(Followed() == 4), () => $"the follower has {Followed()} lines, not 4");
        await agent.SendAsync(new CommandCompletedMessage(run.CommandId, CommandOutcome.Exited, 10, 0, null) { Seq = agent.NextSeq() });
        await following.WaitAsync(stop.Token);

        Assert.Equal([1L, 2, 3, 4], followed);
    }

    [Fact]
    public async Task A_line_an_agent_sends_again_after_it_was_stored_reaches_a_following_stream_once()
    {
        await using var plane = await StartAsync();
        var token = File.ReadAllText(await plane.AddHostAsync("web1")).Trim();
        await using var agent = await RawAgent.ConnectAsync(plane.AgentUrl, token, "web1");
        await plane.WaitForStatusAsync("web1", "online");
        var command = Assert.Single((await plane.RunAsync("web1", "seq", "2")).Commands);
        var run = await agent.NextRunAsync();
        await agent.SendAsync(new CommandStartedMessage(run.CommandId) { Seq = agent.NextSeq() });
        await agent.SendAsync(new OutputMessage(run.CommandId, 1, OutputStream.Stdout, "1") { Seq = agent.NextSeq() });
        await Eventually.WaitAsync(async () => (await plane.OutputAsync(command.Id)).Count == 1, () => "line 1 was not stored");

        using var stream = await plane.Api.GetStreamAsync($"/api/commands/{command.Id}/stream");
        using var reader = new StreamReader(stream);
        var texts = new List<string>();
        async Task ReadUntilAsync(Func<string, bool> stop)
        {
            while (await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30)) is { } line)
            {
                if (line.StartsWith("data: {\"commandId\"", StringComparison.Ordinal) && line.Contains("\"line\":", StringComparison.Ordinal))
                {
                    texts.Add(System.Text.Json.JsonSerializer.Deserialize(line["data: ".Length..], ApiJsonContext.Default.OutputLineView)!.Text);
                }

                if (stop(line))
                {
                    return;
                }
            }
        }

        await ReadUntilAsync(_ => texts.Count == 1);
        // An agent whose connection broke before the acknowledgement came sends line 1 again.
        await agent.SendAsync(new OutputMessage(run.CommandId, 1, OutputStream.Stdout, "1") { Seq = agent.NextSeq() });
        await agent.SendAsync(new OutputMessage(run.CommandId, 2, OutputStream.Stdout, "2") { Seq = agent.NextSeq() });
        await agent.SendAsync(new CommandCompletedMessage(run.CommandId, CommandOutcome.Exited, 10, 0, null) { Seq = agent.NextSeq() });
        await ReadUntilAsync(line => line == "event: end");

        Assert.Equal(["1", "2"], texts);
        Assert.Equal(["1", "2"], (await plane.OutputAsync(command.Id)).Select(o => o.Text));
    }

    [Fact]
    public async Task A_command_streams_its_output_live_and_stores_every_line()
    {
        await using var plane = await StartAsync();
        plane.StartAgent(await plane.AddHostAsync("web1"));
        await plane.WaitForStatusAsync("web1", "online");
        using var gate = new TempDirectory();
        var release = Path.Combine(gate.Path, "release");

        // The command waits for a file the test creates only after it has seen the first line
        // on the stream: this passes only if output arrives while the command runs.
        var batch = await plane.RunAsync("web1", "sh", "-c", $"echo ready; echo warning >&2; while [ ! -e {release} ]; do sleep 0.05; done; echo done; exit 4");
        var command = Assert.Single(batch.Commands);
        using var stream = await plane.Api.GetStreamAsync($"/api/commands/{command.Id}/stream");
        using var reader = new StreamReader(stream);
        var seen = new List<string>();
        var all = new List<string>();
        string? line;
        while ((line = await reader.ReadLineAsync()) is not null)
        {
            all.Add(line);
            if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                seen.Add(line);
                if (line.Contains("\"ready\"", StringComparison.Ordinal))
                {
                    await File.WriteAllTextAsync(release, "");
                }
            }

            if (line == "event: end")
            {
                break;
            }
        }

        // The reconnection delay comes first, on a keep-alive event (empty data) that clients ignore.
        Assert.Equal(["event: keep-alive", "data: ", "retry: 1000", ""], all.Take(4));
        Assert.Contains(seen, l => l.Contains("\"done\"", StringComparison.Ordinal));
        Assert.Contains(seen, l => l.Contains("\"state\":\"failed\"", StringComparison.Ordinal) && l.Contains("\"exitCode\":4", StringComparison.Ordinal));
        var done = await plane.CommandAsync(command.Id);
        Assert.Equal("failed", done.State);
        Assert.Equal(4, done.ExitCode);
        var output = await plane.OutputAsync(command.Id);
        Assert.Equal([1L, 2, 3], output.Select(o => o.Line));
        Assert.Equal(["ready", "done"], output.Where(o => o.Stream == "stdout").Select(o => o.Text));
        Assert.Equal(["warning"], output.Where(o => o.Stream == "stderr").Select(o => o.Text));
    }

    [Fact]
    public async Task A_command_for_an_offline_host_waits_and_runs_when_the_host_connects()
    {
        await using var plane = await StartAsync();
        var token = await plane.AddHostAsync("web1");
        var batch = await plane.RunAsync("web1", "echo", "delivered later");
        var command = Assert.Single(batch.Commands);
        Assert.Equal("queued", (await plane.CommandAsync(command.Id)).State);

        plane.StartAgent(token);

        await plane.WaitForStateAsync(command.Id, "succeeded");
        Assert.Equal(["delivered later"], (await plane.OutputAsync(command.Id)).Select(o => o.Text));
    }

    [Fact]
    public async Task A_queued_command_expires_when_its_host_does_not_come()
    {
        await using var plane = await StartAsync();
        await plane.AddHostAsync("web1");
        using var response = await plane.Api.PostAsJsonAsync("/api/commands", new CreateCommandsRequest("web1", Argv: ["true"], ExpiresInSeconds: 0.2), ApiJsonContext.Default.CreateCommandsRequest);
        var command = Assert.Single((await response.Content.ReadFromJsonAsync(ApiJsonContext.Default.CreateCommandsResponse))!.Commands);

        var expired = await plane.WaitForStateAsync(command.Id, "timed-out");
        Assert.Contains("expired", expired.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stored_command_with_a_timeout_no_sweep_can_add_to_does_not_stop_the_sweeps_for_the_others()
    {
        // A row an older server accepted: running, with a timeout next to TimeSpan.MaxValue.
        var target = await targets.NewAsync();
        var now = TimeProvider.System.GetUtcNow();
        await using (var store = await target.OpenAsync())
        {
            Assert.True(await store.SetHostTokenAsync("bad", "hash-bad", now, replace: false));
            Assert.True(await store.SetHostTokenAsync("web1", "hash-web1", now, replace: false));
            await store.InsertCommandsAsync(
            [
                new Contracts.CommandRecord("c-bad", "b1", "bad", "exec", ["true"], Contracts.CommandState.Queued, null, now, null, null, now.AddDays(1), TimeSpan.MaxValue - TimeSpan.FromSeconds(1), null, "token:old"),
                new Contracts.CommandRecord("c-expires", "b2", "web1", "exec", ["true"], Contracts.CommandState.Queued, null, now, null, null, now.AddSeconds(1), TimeSpan.FromMinutes(1), null, "token:old"),
            ]);
            await store.ApplyAsync(new Store.StoreBatch([], [new Store.CommandTransition("c-bad", [Contracts.CommandState.Queued], Contracts.CommandState.Running, now)], [], []));
        }

        await using var plane = await ControlPlaneHarness.StartAsync(target);

        var expired = await plane.WaitForStateAsync("c-expires", "timed-out");
        Assert.Contains("expired", expired.Message, StringComparison.Ordinal);
        // The bad row's agent never comes back: it is lost, like any other.
        await plane.WaitForStateAsync("c-bad", "lost");
    }

    [Fact]
    public async Task A_killed_command_stops_with_its_whole_process_group()
    {
        await using var plane = await StartAsync();
        plane.StartAgent(await plane.AddHostAsync("web1"));
        await plane.WaitForStatusAsync("web1", "online");
        // A child of the command's shell prints its pid: killing the group must end it too.
        var command = Assert.Single((await plane.RunAsync("web1", "sh", "-c", "sleep 600 & echo $!; wait")).Commands);
        await Eventually.WaitAsync(async () => (await plane.OutputAsync(command.Id)).Count == 1, () => "the command printed nothing");
        var child = int.Parse((await plane.OutputAsync(command.Id))[0].Text, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(Directory.Exists($"/proc/{child}"));

        using var kill = await plane.Api.PostAsync($"/api/commands/{command.Id}/kill", null);
        Assert.Equal(HttpStatusCode.Accepted, kill.StatusCode);

        var killed = await plane.WaitForStateAsync(command.Id, "failed");
        Assert.Equal("killed on request", killed.Message);
        await Eventually.WaitAsync(() => Task.FromResult(IsGone(child.ToString(System.Globalization.CultureInfo.InvariantCulture))), () => $"process {child} survived the kill");
    }

    [Fact]
    public async Task A_command_that_runs_past_its_timeout_is_killed_and_marked_timed_out()
    {
        await using var plane = await StartAsync();
        plane.StartAgent(await plane.AddHostAsync("web1"));
        await plane.WaitForStatusAsync("web1", "online");
        using var response = await plane.Api.PostAsJsonAsync("/api/commands", new CreateCommandsRequest("web1", Argv: ["sh", "-c", "echo $$; exec sleep 600"], TimeoutSeconds: 1), ApiJsonContext.Default.CreateCommandsRequest);
        var command = Assert.Single((await response.Content.ReadFromJsonAsync(ApiJsonContext.Default.CreateCommandsResponse))!.Commands);

        var timedOut = await plane.WaitForStateAsync(command.Id, "timed-out");

        Assert.Contains("timeout", timedOut.Message, StringComparison.Ordinal);
        var pid = (await plane.OutputAsync(command.Id))[0].Text;
        await Eventually.WaitAsync(() => Task.FromResult(IsGone(pid)), () => $"process {pid} survived its timeout");
    }

    [Fact]
    public async Task A_server_restart_loses_no_acknowledged_command_or_output_line()
    {
        await using var plane = await StartAsync();
        var token = await plane.AddHostAsync("web1");
        await plane.AddHostAsync("db1");
        plane.StartAgent(token);
        await plane.WaitForStatusAsync("web1", "online");
        var running = Assert.Single((await plane.RunAsync("web1", "sh", "-c", "for i in $(seq 1 60); do echo line $i; sleep 0.03; done")).Commands);
        var queued = Assert.Single((await plane.RunAsync("db1", "true")).Commands);
        await Eventually.WaitAsync(async () => (await plane.OutputAsync(running.Id)).Count >= 5, () => "no output before the restart");

        await plane.RestartServerAsync();

        var done = await plane.WaitForStateAsync(running.Id, "succeeded");
        Assert.Equal(0, done.ExitCode);
        var output = await plane.OutputAsync(running.Id);
        Assert.Equal(Enumerable.Range(1, 60).Select(i => $"line {i}"), output.Select(o => o.Text));
        Assert.Equal(Enumerable.Range(1, 60).Select(i => (long)i), output.Select(o => o.Line));
        Assert.Equal("queued", (await plane.CommandAsync(queued.Id)).State);
    }

    [Fact]
    public async Task An_agent_killed_mid_command_leaves_the_command_lost_not_running()
    {
        await using var plane = await StartAsync();
        var agent = plane.StartAgent(await plane.AddHostAsync("web1"));
        await plane.WaitForStatusAsync("web1", "online");
        var command = Assert.Single((await plane.RunAsync("web1", "sh", "-c", "echo $$; exec sleep 600")).Commands);
        await Eventually.WaitAsync(async () => (await plane.OutputAsync(command.Id)).Count == 1, () => "the command printed nothing");
        var pid = int.Parse((await plane.OutputAsync(command.Id))[0].Text, System.Globalization.CultureInfo.InvariantCulture);
        try
        {
            agent.KillHard();

            var lost = await plane.WaitForStateAsync(command.Id, "lost");
            Assert.NotNull(lost.FinishedAt);
        }
        finally
        {
            // The orphaned sleep belongs to the test now.
            try
            {
                System.Diagnostics.Process.GetProcessById(pid).Kill();
            }
            catch (ArgumentException)
            {
            }
        }
    }

    [Fact]
    public async Task Without_a_valid_token_ws_and_the_api_answer_401()
    {
        await using var plane = await StartAsync();
        var tokenFile = await plane.AddHostAsync("web1");
        using var anonymous = new HttpClient { BaseAddress = new Uri(plane.BaseUrl) };

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/ws")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/hosts")).StatusCode);
        using var wrongApi = new HttpRequestMessage(HttpMethod.Get, "/api/hosts") { Headers = { { "Authorization", "Bearer flt_api_wrong" } } };
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.SendAsync(wrongApi)).StatusCode);
        // A host token is not an API token.
        using var hostAsApi = new HttpRequestMessage(HttpMethod.Get, "/api/hosts") { Headers = { { "Authorization", "Bearer " + File.ReadAllText(tokenFile).Trim() } } };
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.SendAsync(hostAsApi)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/healthz")).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, await WebSocketStatusAsync(plane, null));
        Assert.Equal(HttpStatusCode.Unauthorized, await WebSocketStatusAsync(plane, "flt_host_wrong"));
        Assert.Equal(HttpStatusCode.Unauthorized, await WebSocketStatusAsync(plane, plane.ApiToken));
        Assert.Equal(HttpStatusCode.SwitchingProtocols, await WebSocketStatusAsync(plane, File.ReadAllText(tokenFile).Trim()));
    }

    [Fact]
    public async Task A_revoked_token_disconnects_its_agent_and_is_refused()
    {
        await using var plane = await StartAsync();
        var tokenFile = await plane.AddHostAsync("web1");
        plane.StartAgent(tokenFile);
        await plane.WaitForStatusAsync("web1", "online");

        await plane.CliAsync("tokens", "revoke", "web1");

        await plane.WaitForStatusAsync("web1", "offline");
        Assert.Equal(HttpStatusCode.Unauthorized, await WebSocketStatusAsync(plane, File.ReadAllText(tokenFile).Trim()));
        await Task.Delay(500);
        Assert.Equal("offline", (await plane.HostAsync("web1"))!.Status);
    }

    [Fact]
    public async Task Revoking_a_token_closes_its_agents_connection_with_a_close_frame_that_says_why()
    {
        await using var plane = await StartAsync();
        var token = File.ReadAllText(await plane.AddHostAsync("web1")).Trim();
        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", "Bearer " + token);
        await socket.ConnectAsync(new Uri(plane.AgentUrl), CancellationToken.None);
        var (register, _) = Fuzz.Register();
        await socket.SendAsync(register, WebSocketMessageType.Text, true, CancellationToken.None);
        await plane.WaitForStatusAsync("web1", "online");

        await plane.CliAsync("tokens", "revoke", "web1");

        var (status, reason) = await ReadUntilCloseAsync(socket);
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, status);
        Assert.Equal("the host's token was revoked", reason);
    }

    [Fact]
    public async Task An_agent_that_does_not_register_in_time_is_closed_with_a_close_frame_that_says_why()
    {
        await using var plane = await StartAsync(o => o.RegisterTimeout = TimeSpan.FromSeconds(1));
        var token = File.ReadAllText(await plane.AddHostAsync("web1")).Trim();
        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", "Bearer " + token);
        await socket.ConnectAsync(new Uri(plane.AgentUrl), CancellationToken.None);

        var (status, reason) = await ReadUntilCloseAsync(socket);

        Assert.Equal(WebSocketCloseStatus.PolicyViolation, status);
        Assert.Equal("no register message within 1 s", reason);
    }

    [Fact]
    public async Task Thousands_of_random_frames_close_only_their_own_connections()
    {
        await using var plane = await StartAsync();
        // A slow heartbeat: the fuzzing loads both cores, and this agent must not miss beats.
        plane.StartAgent(await plane.AddHostAsync("steady"), intervalSeconds: 3);
        await plane.WaitForStatusAsync("steady", "online");
        var connectedAt = (await plane.HostAsync("steady"))!.LastSeen;
        var tokens = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            tokens.Add(File.ReadAllText(await plane.AddHostAsync($"fuzz{i}")).Trim());
        }

        var frames = 0;
        var closedWithReason = 0;
        var random = new Random(20261122);
        var seeds = Enumerable.Range(0, tokens.Count).Select(_ => random.Next()).ToList();
        await Task.WhenAll(tokens.Select(async (token, worker) =>
        {
            var rng = new Random(seeds[worker]);
            for (var connection = 0; connection < 300; connection++)
            {
                using var socket = new ClientWebSocket();
                socket.Options.SetRequestHeader("Authorization", "Bearer " + token);
                await socket.ConnectAsync(new Uri(plane.AgentUrl), CancellationToken.None);
                // Half the connections register first, so random frames also reach a registered session.
                var registered = rng.Next(2) == 0;
                var closed = ReceiveCloseAsync(socket);
                for (var frame = 0; frame < 10 && !closed.IsCompleted; frame++)
                {
                    var (bytes, type) = registered && frame == 0 ? Fuzz.Register() : Fuzz.Frame(rng);
                    try
                    {
                        await socket.SendAsync(bytes, type, true, CancellationToken.None);
                    }
                    catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException)
                    {
                        // The server closed this connection (as it should) while a frame was on its way:
                        // .NET reports a reset during a send as a canceled operation over an IOException.
                        break;
                    }

                    Interlocked.Increment(ref frames);
                    await Task.WhenAny(closed, Task.Delay(5));
                }

                await Task.WhenAny(closed, Task.Delay(100));
                if (closed.IsCompleted && await closed is var (status, description))
                {
                    // Every close names its cause: a status, and a reason text except for text
                    // frames that are not UTF-8, which the WebSocket layer itself refuses with
                    // 1007 before the server reads them.
                    Assert.True(
                        !string.IsNullOrEmpty(description) || status == WebSocketCloseStatus.InvalidPayloadData,
                        $"closed with {status} and no reason");
                    Interlocked.Increment(ref closedWithReason);
                }

                socket.Abort();
            }
        }));

        Assert.True(frames >= 2000, $"only {frames} frames sent");
        Assert.True(closedWithReason >= 500, $"only {closedWithReason} connections were closed with a reason");
        var steady = (await plane.HostAsync("steady"))!;
        Assert.Equal("online", steady.Status);
        // The fuzzing can end before the steady agent's next heartbeat (3 s): wait for one, bounded
        // by two intervals, rather than assume it came during the fuzzing.
        for (var i = 0; i < 60 && steady.LastSeen <= connectedAt; i++)
        {
            await Task.Delay(100);
            steady = (await plane.HostAsync("steady"))!;
        }

        Assert.True(steady.LastSeen > connectedAt, "the steady agent's heartbeats stopped being handled");
        var command = Assert.Single((await plane.RunAsync("steady", "echo", "still serving")).Commands);
        await plane.WaitForStateAsync(command.Id, "succeeded");
        Assert.Equal(HttpStatusCode.OK, (await plane.Api.GetAsync("/healthz")).StatusCode);
    }

    [Fact]
    public async Task An_oversized_or_malformed_message_closes_that_connection_with_a_reason()
    {
        await using var plane = await StartAsync();
        var token = File.ReadAllText(await plane.AddHostAsync("web1")).Trim();

        var (status, reason) = await SendAndReadCloseAsync(plane, token, Encoding.UTF8.GetBytes(new string('x', 100_000)));
        Assert.Equal(WebSocketCloseStatus.MessageTooBig, status);
        Assert.Contains("at most", reason, StringComparison.Ordinal);

        (status, reason) = await SendAndReadCloseAsync(plane, token, Encoding.UTF8.GetBytes("{\"type\":\"register\",\"protocol\":"));
        Assert.Equal(WebSocketCloseStatus.InvalidPayloadData, status);
        Assert.StartsWith("malformed message", reason, StringComparison.Ordinal);

        (status, reason) = await SendAndReadCloseAsync(plane, token, Encoding.UTF8.GetBytes("{\"type\":\"started\",\"seq\":1,\"commandId\":\"c\"}"));
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, status);
        Assert.Contains("register", reason, StringComparison.Ordinal);
    }

    /// <summary>Reads until the server's close frame: its status and reason, or null if the connection broke instead.</summary>
    private static async Task<(WebSocketCloseStatus? Status, string? Description)?> ReceiveCloseAsync(ClientWebSocket socket)
    {
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer, CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return (result.CloseStatus, result.CloseStatusDescription);
                }
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            return null;
        }
    }

    /// <summary>The process has exited (or is a zombie waiting for its parent).</summary>
    private static bool IsGone(string pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return true;
        }
    }

    /// <summary>Reads until the server's close frame; a connection that breaks without one fails the test (WebSocketException).</summary>
    private static async Task<(WebSocketCloseStatus?, string)> ReadUntilCloseAsync(ClientWebSocket socket)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var buffer = new byte[4096];
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, timeout.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return (result.CloseStatus, result.CloseStatusDescription ?? "");
            }
        }
    }

    private static async Task<(WebSocketCloseStatus?, string)> SendAndReadCloseAsync(ControlPlaneHarness plane, string token, byte[] frame)
    {
        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", "Bearer " + token);
        await socket.ConnectAsync(new Uri(plane.AgentUrl), CancellationToken.None);
        await socket.SendAsync(frame, WebSocketMessageType.Text, true, CancellationToken.None);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var buffer = new byte[4096];
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, timeout.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return (result.CloseStatus, result.CloseStatusDescription ?? "");
            }
        }
    }

    private static async Task<HttpStatusCode> WebSocketStatusAsync(ControlPlaneHarness plane, string? token)
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        if (token is not null)
        {
            socket.Options.SetRequestHeader("Authorization", "Bearer " + token);
        }

        try
        {
            await socket.ConnectAsync(new Uri(plane.AgentUrl), CancellationToken.None);
            socket.Abort();
            return socket.HttpStatusCode;
        }
        catch (WebSocketException)
        {
            return socket.HttpStatusCode;
        }
    }
}

public sealed class SqliteControlPlaneTests(SqliteTargets targets) : ControlPlaneAcceptance(targets), IClassFixture<SqliteTargets>;

[Collection(PostgresCollection.Name)]
public sealed class PostgresControlPlaneTests(PostgresFixture fixture) : ControlPlaneAcceptance(new PostgresTargets(fixture));
