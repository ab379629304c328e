using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text.Json;
using Flotilla.ControlPlane;
using Flotilla.Contracts;
using Flotilla.Tests.Support;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Flotilla.Tests;

/// <summary>
/// What bounds the server's memory and disk under command output, and its open files under
/// many agents (issue 15, points 6 and 9): real agents and WebSockets on Kestrel, SQLite and
/// PostgreSQL.
/// </summary>
public abstract class BoundsAcceptance(IStoreTargets targets)
{
    private const string Pad = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";

    private async Task<ControlPlaneHarness> StartAsync(Action<ControlPlaneOptions>? configure = null) =>
        await ControlPlaneHarness.StartAsync(await targets.NewAsync(), configure);

    [Fact]
    public async Task An_agent_printing_faster_than_the_store_writes_is_slowed_down_and_loses_no_line()
    {
        const int Lines = 120_000;
        await using var plane = await StartAsync(o =>
        {
            o.MaxCommandOutputBytes = 1L << 30;
            o.AgentBytesPerSecond = 0;
            o.AgentReceiveWindowBytes = 64 * 1024;
            o.StoreQueueBytes = 1024 * 1024;
        });
        plane.StartAgent(await plane.AddHostAsync("web1"));
        await plane.WaitForStatusAsync("web1", "online");
        using var files = new TempDirectory();
        var go = Path.Combine(files.Path, "go");
        var progress = Path.Combine(files.Path, "progress");
        var command = Assert.Single((await plane.RunAsync("web1", "sh", "-c",
            $"while [ ! -e {go} ]; do sleep 0.05; done; i=0; while [ $i -lt {Lines} ]; do echo \"line $i {Pad}\"; i=$((i+1)); if [ $((i % 1000)) -eq 0 ]; then echo $i > {progress}; fi; done")).Commands);
        await plane.WaitForStateAsync(command.Id, "running");

        await using (await BlockStoreWritesAsync(plane.Target))
        {
            await File.WriteAllTextAsync(go, "");
            await Eventually.WaitAsync(() => Task.FromResult(File.Exists(progress)), () => "the command printed nothing");
            // The command prints until the pipe to its agent is full: the agent stops reading it
            // because the server stopped reading the agent, because the store does not take more.
            var printed = await SettledAsync(() => File.ReadAllText(progress).Trim());
            Assert.True(int.Parse(printed, CultureInfo.InvariantCulture) < Lines, $"the command printed all {Lines} lines while nothing could be stored: someone buffered them all");
            var metrics = await plane.MetricsAsync();
            Assert.Equal(1, metrics["flotilla_agent_connections_paused{reason=\"store\"}"]);
            Assert.InRange(metrics["flotilla_store_queue_bytes"], 1, (1024 * 1024) + (64 * 1024));
            // Held back by the server, not silent: it stays online.
            Assert.Equal("online", (await plane.HostAsync("web1"))!.Status);
        }

        // 12 MB through the store: allow for a machine busy with other tests.
        await Eventually.WaitAsync(async () => (await plane.CommandAsync(command.Id)).State == "succeeded", () => $"the command did not finish; server:\n{plane.Log.Text}", seconds: 180);
        var output = await AllOutputAsync(plane, command.Id);
        Assert.Equal(Lines, output.Count);
        for (var i = 0; i < Lines; i++)
        {
            Assert.Equal(i + 1, output[i].Line);
            Assert.Equal($"line {i} {Pad}", output[i].Text);
        }
    }

    [Fact]
    public async Task A_command_printing_past_the_output_cap_stores_a_prefix_and_says_how_much_was_not_stored()
    {
        const int Cap = 4096;
        await using var plane = await StartAsync(o => o.MaxCommandOutputBytes = Cap);
        plane.StartAgent(await plane.AddHostAsync("web1"));
        await plane.WaitForStatusAsync("web1", "online");

        var command = Assert.Single((await plane.RunAsync("web1", "seq", "1", "5000")).Commands);
        var done = await plane.WaitForStateAsync(command.Id, "succeeded");

        // seq prints 1..5000; the lines that fit in 4096 bytes are kept whole, then one marker.
        var kept = 0;
        for (long bytes = 0; bytes + (kept + 1).ToString(CultureInfo.InvariantCulture).Length <= Cap; kept++)
        {
            bytes += (kept + 1).ToString(CultureInfo.InvariantCulture).Length;
        }

        var output = await plane.OutputAsync(command.Id);
        Assert.Equal(kept + 1, output.Count);
        Assert.Equal(Enumerable.Range(1, kept).Select(i => i.ToString(CultureInfo.InvariantCulture)), output.Take(kept).Select(l => l.Text));
        var marker = output[^1];
        Assert.Equal(kept + 1, marker.Line);
        Assert.Equal("stderr", marker.Stream);
        Assert.Contains("output truncated", marker.Text, StringComparison.Ordinal);
        var dropped = 5000 - kept;
        var droppedBytes = Enumerable.Range(kept + 1, dropped).Sum(i => i.ToString(CultureInfo.InvariantCulture).Length);
        Assert.Contains($"output truncated at {Cap} bytes: {dropped} more lines ({droppedBytes} bytes) were not stored", done.Message, StringComparison.Ordinal);
        var metrics = await plane.MetricsAsync();
        Assert.Equal(1, metrics["flotilla_output_truncated_commands_total"]);
        Assert.Equal(dropped, metrics["flotilla_output_dropped_lines_total"]);
    }

    [Fact]
    public async Task An_agent_past_its_output_rate_is_read_more_slowly_until_time_passes_and_nothing_is_dropped()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));
        await using var plane = await StartAsync(o =>
        {
            o.TimeProvider = time;
            o.AgentBytesPerSecond = 8192;
            o.AgentBurstBytes = 8192;
        });
        var token = File.ReadAllText(await plane.AddHostAsync("web1")).Trim();
        await using var agent = await RawAgent.ConnectAsync(plane.AgentUrl, token, "web1");
        await plane.WaitForStatusAsync("web1", "online");
        var command = Assert.Single((await plane.RunAsync("web1", "flood")).Commands);
        var run = await agent.NextRunAsync();
        Assert.Equal(command.Id, run.CommandId);

        const int Lines = 60;
        var text = new string('y', 1000);
        await agent.SendAsync(new CommandStartedMessage(run.CommandId) { Seq = agent.NextSeq() });
        var sending = Task.Run(async () =>
        {
            for (var line = 1; line <= Lines; line++)
            {
                await agent.SendAsync(new OutputMessage(run.CommandId, line, OutputStream.Stdout, text) { Seq = agent.NextSeq() });
            }
        });

        // Held back for its rate, with everything it was let send stored.
        async Task<bool> HeldBackAndStoredAsync()
        {
            var metrics = await plane.MetricsAsync();
            return metrics["flotilla_agent_connections_paused{reason=\"rate\"}"] == 1 && metrics["flotilla_store_queue_bytes"] == 0;
        }

        // The burst (8 KiB: about 7 lines of 1 KiB) goes through; then the server waits for time to pass.
        await Eventually.WaitAsync(HeldBackAndStoredAsync, () => "the connection was never held back for its rate");
        var stored = (await plane.OutputAsync(command.Id)).Count;
        Assert.InRange(stored, 5, 9);
        var steps = 0;
        while (stored < Lines)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            steps++;
            var before = stored;
            await Eventually.WaitAsync(
                async () => (stored = (await plane.OutputAsync(command.Id)).Count) == Lines || (stored > before && await HeldBackAndStoredAsync()),
                () => $"nothing more was stored after the clock moved on ({stored} lines)");
            stored = (await plane.OutputAsync(command.Id)).Count;
            Assert.InRange(stored - before, 1, 9);
        }

        await sending;
        Assert.InRange(steps, 6, 12);
        var output = await plane.OutputAsync(command.Id);
        Assert.Equal(Enumerable.Range(1, Lines).Select(i => (long)i), output.Select(l => l.Line));
        Assert.All(output, l => Assert.Equal(text, l.Text));
    }

    [Fact]
    public async Task A_slow_event_stream_reader_is_dropped_and_resumes_from_the_store_by_Last_Event_ID_without_gaps()
    {
        const int Lines = 30_000;
        await using var plane = await StartAsync(o =>
        {
            o.MaxCommandOutputBytes = 1L << 30;
            // A reader's queue must take at least one batch of the writer's: it publishes a batch at once.
            o.MaxBatch = 100;
            o.SubscriberQueueEvents = 500;
            o.SubscriberQueueBytes = 256 * 1024;
        });
        plane.StartAgent(await plane.AddHostAsync("web1"));
        plane.StartAgent(await plane.AddHostAsync("web2"));
        await plane.WaitForStatusAsync("web1", "online");
        await plane.WaitForStatusAsync("web2", "online");
        using var files = new TempDirectory();
        var go = Path.Combine(files.Path, "go");
        var batch = await plane.RunAsync("web*", "sh", "-c", $"while [ ! -e {go} ]; do sleep 0.05; done; i=1; while [ $i -le {Lines} ]; do echo \"$i {Pad}{Pad}\"; i=$((i+1)); done");
        using var client = SlowClient(plane);

        var seen = new Dictionary<string, List<(long Line, string Text)>>(StringComparer.Ordinal);
        string? lastId;
        bool ended;
        using (var first = await OpenStreamAsync(client, batch.BatchId, null))
        {
            await File.WriteAllTextAsync(go, "");
            // A loaded machine can drop the reader before it has read five lines: it says so then.
            (lastId, ended, var droppedEarly) = await ReadEventsAsync(first, seen, stopAfter: 5);
            Assert.False(ended);
            // Not reading: the server's buffers fill, then this reader's queue, and it is dropped.
            await Eventually.WaitAsync(async () => await plane.MetricAsync("flotilla_event_subscribers_dropped_total") >= 1, () => "the slow reader was never dropped", seconds: 90);
            string? more;
            bool dropped;
            (more, ended, dropped) = await ReadEventsAsync(first, seen, stopAfter: int.MaxValue);
            lastId = more ?? lastId;
            Assert.False(ended, "the dropped stream said end");
            Assert.True(dropped || droppedEarly, "the dropped stream did not say so");
        }

        // lastId is null when the reader was dropped before its first line (a loaded machine can
        // publish a queue's worth between the subscription and the first write): it then starts
        // from the beginning, as a client without an id does.
        // Read at full speed now; while the commands still print, catching up may be dropped
        // again: each time, resume after the last line had.
        for (var attempt = 0; !ended && attempt < 20; attempt++)
        {
            using var resumed = await OpenStreamAsync(client, batch.BatchId, lastId);
            string? more;
            (more, ended, _) = await ReadEventsAsync(resumed, seen, stopAfter: int.MaxValue);
            lastId = more ?? lastId;
        }

        Assert.True(ended, "the resumed stream did not end; server:\n" + plane.Log.Text);

        Assert.Equal(2, seen.Count);
        foreach (var (host, lines) in seen)
        {
            Assert.Equal(Enumerable.Range(1, Lines).Select(i => (long)i), lines.Select(l => l.Line));
            Assert.All(lines, l => Assert.Equal($"{l.Line} {Pad}{Pad}", l.Text));
        }
    }

    [Fact]
    public async Task Remote_run_resumes_a_dropped_stream_and_prints_every_line_once()
    {
        await using var plane = await StartAsync(o =>
        {
            o.SubscriberQueueEvents = 1;
            o.SubscriberQueueBytes = 64 * 1024;
        });
        plane.StartAgent(await plane.AddHostAsync("web1"));
        await plane.WaitForStatusAsync("web1", "online");

        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await Flotilla.Cli.FlotillaCli.RunAsync(["remote", "run", "--url", plane.BaseUrl, "--token", plane.ApiToken, "--on", "web1", "--", "seq", "1", "3000"], output, error, Directory.GetCurrentDirectory());

        Assert.True(code == 0, error.ToString());
        Assert.Equal(Enumerable.Range(1, 3000).Select(i => $"web1 | {i}"), output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.True(await plane.MetricAsync("flotilla_event_subscribers_dropped_total") >= 1, "the stream was never dropped: this test did not test resuming");
    }

    [Fact]
    public async Task Past_max_agents_a_new_agent_gets_503_before_the_upgrade_and_the_connected_ones_keep_working()
    {
        await using var plane = await StartAsync(o => o.MaxAgents = 2);
        plane.StartAgent(await plane.AddHostAsync("web1"));
        var web2 = plane.StartAgent(await plane.AddHostAsync("web2"));
        var web3 = File.ReadAllText(await plane.AddHostAsync("web3")).Trim();
        await plane.WaitForStatusAsync("web1", "online");
        await plane.WaitForStatusAsync("web2", "online");
        var seen = (await plane.HostAsync("web1"))!.LastSeen;

        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        socket.Options.SetRequestHeader("Authorization", "Bearer " + web3);
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(new Uri(plane.AgentUrl), CancellationToken.None));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, socket.HttpStatusCode);
        var headers = socket.HttpResponseHeaders!;
        Assert.True(int.Parse(headers["Retry-After"].Single(), CultureInfo.InvariantCulture) > 0);
        Assert.Contains("at its limit of 2 agents", headers["X-Flotilla-Refused"].Single(), StringComparison.Ordinal);

        var metrics = await plane.MetricsAsync();
        Assert.Equal(2, metrics["flotilla_agents_max"]);
        Assert.Equal(1, metrics["flotilla_agent_connections_refused_total{reason=\"max-agents\"}"]);
        Assert.Contains("refusing new agents", plane.Log.Text, StringComparison.Ordinal);
        var command = Assert.Single((await plane.RunAsync("web1", "echo", "still here")).Commands);
        await plane.WaitForStateAsync(command.Id, "succeeded");
        await Eventually.WaitAsync(async () => (await plane.HostAsync("web1"))!.LastSeen > seen, () => "web1's heartbeats stopped");

        // A place frees up: the next agent is taken.
        web2.Dispose();
        await plane.WaitForStatusAsync("web2", "offline");
        await using var agent = await RawAgent.ConnectAsync(plane.AgentUrl, web3, "web3");
        await plane.WaitForStatusAsync("web3", "online");
    }

    [Fact]
    public async Task A_refused_agent_logs_the_servers_reason_and_waits_at_least_as_long_as_it_asks()
    {
        await using var plane = await StartAsync(o => o.MaxAgents = 0);
        var agent = plane.StartAgent(await plane.AddHostAsync("web1"));

        await Eventually.WaitAsync(() => Task.FromResult(agent.Log.Contains("refused the connection (503)", StringComparison.Ordinal)), () => "the agent never said it was refused:\n" + agent.Log);
        await Eventually.WaitAsync(() => Task.FromResult(agent.Log.Contains("Reconnecting in", StringComparison.Ordinal)), () => "the agent never said when it tries again:\n" + agent.Log);
        Assert.Contains("at its limit of 0 agents", agent.Log, StringComparison.Ordinal);
        var wait = double.Parse(System.Text.RegularExpressions.Regex.Match(agent.Log, @"Reconnecting in ([0-9.]+) s").Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.True(wait >= 30, $"the agent waits {wait} s; the server asked for 30 s:\n{agent.Log}");
        Assert.Equal("offline", (await plane.HostAsync("web1"))!.Status);
    }

    [Fact]
    public async Task Without_max_agents_the_limit_is_derived_from_the_open_file_limit()
    {
        await using var plane = await StartAsync();
        var limit = long.Parse(File.ReadLines("/proc/self/limits").Single(l => l.StartsWith("Max open files", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[3], CultureInfo.InvariantCulture);

        var metrics = await plane.MetricsAsync();

        Assert.Equal(limit, metrics["flotilla_open_files_limit"]);
        Assert.Equal(AgentLimits.FromOpenFileLimit(limit), metrics["flotilla_agents_max"]);
        Assert.InRange(metrics["flotilla_open_files"], 10, limit);
    }

    /// <summary>Holds the store's write lock (SQLite) or a lock on the output table (PostgreSQL) until disposed; readers go on.</summary>
    private static async Task<IAsyncDisposable> BlockStoreWritesAsync(StoreTarget target)
    {
        if (target.Database is null)
        {
            // Not pooled: closing it must end its transaction.
            var sqlite = new SqliteConnection($"Data Source={Path.Combine(target.DataDirectory!, "flotilla.db")};Pooling=False");
            await sqlite.OpenAsync();
            await using (var begin = sqlite.CreateCommand())
            {
                begin.CommandText = "BEGIN IMMEDIATE";
                await begin.ExecuteNonQueryAsync();
            }

            return sqlite;
        }

        var builder = new NpgsqlConnectionStringBuilder();
        var url = new Uri(target.Database);
        builder.Host = url.Host;
        builder.Port = url.Port;
        builder.Username = Uri.UnescapeDataString(url.UserInfo.Split(':')[0]);
        builder.Database = url.AbsolutePath.TrimStart('/');
        // Not pooled: closing it must end its transaction.
        builder.Pooling = false;
        var postgres = new NpgsqlConnection(builder.ConnectionString);
        await postgres.OpenAsync();
        await using (var locking = postgres.CreateCommand())
        {
            locking.CommandText = "BEGIN; LOCK TABLE output IN EXCLUSIVE MODE";
            await locking.ExecuteNonQueryAsync();
        }

        return postgres;
    }

    /// <summary>Reads a value once a second until it stays the same three times (bounded: 25 s, under SQLite's busy timeout).</summary>
    private static async Task<string> SettledAsync(Func<string> read)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var last = read();
        var same = 0;
        while (same < 3 && watch.Elapsed < TimeSpan.FromSeconds(25))
        {
            await Task.Delay(1000);
            var now = read();
            same = now == last ? same + 1 : 0;
            last = now;
        }

        return last;
    }

    private static async Task<List<OutputLineView>> AllOutputAsync(ControlPlaneHarness plane, string id)
    {
        var all = new List<OutputLineView>();
        while (true)
        {
            var page = (await plane.Api.GetFromJsonAsync($"/api/commands/{id}/output?after={all.Count}", ApiJsonContext.Default.IReadOnlyListOutputLineView))!;
            if (page.Count == 0)
            {
                return all;
            }

            all.AddRange(page);
        }
    }

    /// <summary>An API client whose sockets have a small receive buffer: reading slowly fills the server's buffers soon.</summary>
    private static HttpClient SlowClient(ControlPlaneHarness plane)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096, NoDelay = true };
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            },
        };
        var client = new HttpClient(handler) { BaseAddress = new Uri(plane.BaseUrl), Timeout = Timeout.InfiniteTimeSpan };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", plane.ApiToken);
        return client;
    }

    private static async Task<StreamReader> OpenStreamAsync(HttpClient client, string batch, string? lastEventId)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, $"/api/commands/stream?batch={batch}");
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return new StreamReader(await response.Content.ReadAsStreamAsync());
    }

    /// <summary>Reads Server-Sent Events, adding output lines to <paramref name="seen"/> per host; the last id and whether <c>end</c> and <c>dropped</c> came.</summary>
    private static async Task<(string? LastId, bool Ended, bool Dropped)> ReadEventsAsync(StreamReader reader, Dictionary<string, List<(long Line, string Text)>> seen, int stopAfter)
    {
        string? id = null;
        string? name = null;
        var count = 0;
        var dropped = false;
        while (count < stopAfter && await reader.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("id: ", StringComparison.Ordinal))
            {
                id = line[4..];
            }
            else if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                name = line[7..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal) && name == "output")
            {
                var view = JsonSerializer.Deserialize(line[6..], ApiJsonContext.Default.OutputLineView)!;
                if (!seen.TryGetValue(view.Host, out var lines))
                {
                    seen[view.Host] = lines = [];
                }

                lines.Add((view.Line, view.Text));
                count++;
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal) && name == "end")
            {
                return (id, true, dropped);
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal) && name == "dropped")
            {
                dropped = true;
            }
        }

        return (id, false, dropped);
    }
}

public sealed class SqliteBoundsTests(SqliteTargets targets) : BoundsAcceptance(targets), IClassFixture<SqliteTargets>;

[Collection(PostgresCollection.Name)]
public sealed class PostgresBoundsTests(PostgresFixture fixture) : BoundsAcceptance(new PostgresTargets(fixture));

/// <summary>The default agent limit, as a function of the open-file limit.</summary>
public sealed class AgentLimitsTests
{
    [Theory]
    [InlineData(20_000, 18_000)]
    [InlineData(4096, 3584)]
    [InlineData(1024, 512)]
    [InlineData(600, 88)]
    [InlineData(100, 0)]
    public void The_default_leaves_a_tenth_of_the_open_files_and_at_least_512_for_the_server_itself(long openFiles, int agents) =>
        Assert.Equal(agents, AgentLimits.FromOpenFileLimit(openFiles));

    [Fact]
    public void An_unlimited_open_file_limit_still_gives_a_finite_number() =>
        Assert.Equal(1_000_000, AgentLimits.FromOpenFileLimit(long.MaxValue));
}

/// <summary><c>flotilla serve</c>'s bounds options as the CLI parses them.</summary>
public sealed class ServeBoundsCliTests
{
    [Fact]
    public async Task Serve_takes_its_bounds_from_the_command_line_and_says_them()
    {
        using var data = new TempDirectory();
        using var stop = new CancellationTokenSource();
        var output = new StringWriter();
        var synced = TextWriter.Synchronized(output);
        using var error = new StringWriter();
        var serve = Flotilla.Cli.FlotillaCli.RunAsync(
            ["serve", "--urls", "http://127.0.0.1:0", "--no-dashboard", "--data-dir", data.Path, "--max-agents", "3", "--max-command-output", "2MiB", "--agent-rate", "0"],
            synced,
            TextWriter.Synchronized(error),
            Directory.GetCurrentDirectory(),
            stop.Token);
        try
        {
            string Text()
            {
                lock (synced)
                {
                    return output.ToString();
                }
            }

            await Eventually.WaitAsync(() => Task.FromResult(serve.IsCompleted || Text().Contains("bounds:", StringComparison.Ordinal)), () => "serve said nothing of its bounds: " + Text() + error);
            Assert.Contains("bounds: at most 3 agents (--max-agents); 2 MiB of output kept per command; no rate limit per agent", Text(), StringComparison.Ordinal);
            var url = System.Text.RegularExpressions.Regex.Match(Text(), @"listening on (http://\S+)").Groups[1].Value;
            using var http = new HttpClient();
            Assert.Contains("flotilla_agents_max 3\n", await http.GetStringAsync(url + "/metrics"), StringComparison.Ordinal);
        }
        finally
        {
            await stop.CancelAsync();
            Assert.Equal(0, await serve);
        }
    }

    [Theory]
    [InlineData("--max-command-output", "10XB", "--max-command-output 10XB: give a size")]
    [InlineData("--agent-rate", "fast", "--agent-rate fast: give bytes per second")]
    [InlineData("--max-agents", "-1", "--max-agents -1: give 0 or more agents")]
    public async Task A_bad_bound_stops_serve_with_the_option_and_what_it_takes(string option, string value, string message)
    {
        using var data = new TempDirectory();
        using var output = new StringWriter();
        using var error = new StringWriter();

        var code = await Flotilla.Cli.FlotillaCli.RunAsync(["serve", "--urls", "http://127.0.0.1:0", "--no-dashboard", "--data-dir", data.Path, option, value], output, error, Directory.GetCurrentDirectory());

        Assert.Equal(2, code);
        Assert.Contains(message, error.ToString(), StringComparison.Ordinal);
    }
}
