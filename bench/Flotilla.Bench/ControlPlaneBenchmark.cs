using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Net.WebSockets;
using Flotilla.ControlPlane;
using Flotilla.ControlPlane.Store;
using Flotilla.Contracts;

namespace Flotilla.Bench;

/// <summary>
/// <c>control-plane [--agents N] [--database URL] [--steady SECONDS]</c>: one <c>flotilla serve</c>
/// process on loopback, N simulated agents (WebSockets in this process, heartbeating every 5 s
/// with a random phase, answering commands with two output lines), then one command fanned out
/// to all. Prints connections held, the server's RSS, and the fan-out time until every command
/// succeeded (so every output line is stored: agents send lines before completions, and the
/// server stores in order).
/// </summary>
internal static class ControlPlaneBenchmark
{
    public static async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var options = BenchOptions.Parse(args);
        var agents = options.Hosts ?? 5000;
        var database = Value(args, "--database");
        var steady = TimeSpan.FromSeconds(double.Parse(Value(args, "--steady") ?? "30", CultureInfo.InvariantCulture));
        var dataDir = Directory.CreateTempSubdirectory("flotilla-bench-cp-").FullName;
        try
        {
            Console.WriteLine($"control-plane: {agents} agents, store {(database is null ? "SQLite" : "PostgreSQL")}, server {options.CliPath}");
            var tokens = new List<(string Host, string Token)>(agents);
            string apiToken;
            await using (var store = await ControlPlaneStores.OpenAsync(dataDir, database, cancellationToken))
            {
                var now = TimeProvider.System.GetUtcNow();
                for (var i = 0; i < agents; i++)
                {
                    var token = Tokens.NewHostToken();
                    await store.SetHostTokenAsync($"sim{i:D5}", Tokens.Hash(token), now, replace: true, cancellationToken);
                    tokens.Add(($"sim{i:D5}", token));
                }

                apiToken = Tokens.NewApiToken();
                await store.AddApiTokenAsync("bench-" + Guid.NewGuid().ToString("N")[..6], Tokens.Hash(apiToken), now, Flotilla.ControlPlane.Auth.ApiTokenScope.Exec, cancellationToken);
            }

            var port = FreePort();
            using var server = StartServer(options.CliPath, port, dataDir, database);
            try
            {
                using var api = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
                api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiToken);
                await WaitAsync(async () => (await api.GetAsync("/healthz", cancellationToken)).IsSuccessStatusCode, TimeSpan.FromSeconds(30));

                using var invoker = new HttpMessageInvoker(new SocketsHttpHandler());
                var fleet = new SimulatedFleet(new Uri($"ws://127.0.0.1:{port}/ws"), invoker);
                var connect = Stopwatch.StartNew();
                using var slots = new SemaphoreSlim(64);
                await Task.WhenAll(tokens.Select(async t =>
                {
                    await slots.WaitAsync(cancellationToken);
                    try
                    {
                        await fleet.ConnectAsync(t.Host, t.Token, cancellationToken);
                    }
                    finally
                    {
                        slots.Release();
                    }
                }));
                Console.WriteLine($"connected {fleet.Connected} agents in {connect.Elapsed.TotalSeconds:0.0} s");

                await Task.Delay(steady, cancellationToken);
                var metrics = await api.GetStringAsync("/metrics", cancellationToken);
                Console.WriteLine($"after {steady.TotalSeconds:0} s of heartbeats: {Metric(metrics, "flotilla_agent_connections")} connections held, {Metric(metrics, "flotilla_hosts_online")} hosts online, {Metric(metrics, "flotilla_agent_messages_per_second")} messages/s, server RSS {Rss(server.Id) / 1024.0 / 1024:0} MiB");

                var fanout = Stopwatch.StartNew();
                using var created = await api.PostAsJsonAsync("/api/commands", new CreateCommandsRequest("all", Argv: ["echo", "hello"]), ApiJsonContext.Default.CreateCommandsRequest, cancellationToken);
                created.EnsureSuccessStatusCode();
                var batch = (await created.Content.ReadFromJsonAsync(ApiJsonContext.Default.CreateCommandsResponse, cancellationToken))!;
                var accepted = fanout.Elapsed;
                var done = 0;
                await WaitAsync(
                    async () =>
                    {
                        var finished = await api.GetFromJsonAsync($"/api/commands?batch={batch.BatchId}&state=succeeded&limit=100000", ApiJsonContext.Default.IReadOnlyListCommandView, cancellationToken);
                        done = finished!.Count;
                        return done == batch.Commands.Length;
                    },
                    TimeSpan.FromSeconds(120));
                var total = fanout.Elapsed;
                var sample = batch.Commands[batch.Commands.Length / 2].Id;
                var lines = await api.GetFromJsonAsync($"/api/commands/{sample}/output", ApiJsonContext.Default.IReadOnlyListOutputLineView, cancellationToken);
                Console.WriteLine($"fan-out to {batch.Commands.Length}: created and stored in {accepted.TotalSeconds:0.00} s; all succeeded (2 lines each stored; sample has {lines!.Count}) in {total.TotalSeconds:0.00} s (target 3 s)");
                Console.WriteLine($"server RSS after fan-out: {Rss(server.Id) / 1024.0 / 1024:0} MiB (target 1024 MiB)");
                await fleet.DisposeAsync();
                return 0;
            }
            finally
            {
                server.Kill(entireProcessTree: true);
                await server.WaitForExitAsync(CancellationToken.None);
            }
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    private static Process StartServer(string cli, int port, string dataDir, string? database)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { cli, "serve", "--urls", $"http://127.0.0.1:{port}", "--data-dir", dataDir, "--allow-commands" })
        {
            start.ArgumentList.Add(a);
        }

        if (database is not null)
        {
            start.Environment["FLOTILLA_DATABASE"] = database;
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } line && (line.Contains("fail", StringComparison.Ordinal) || line.Contains("crit", StringComparison.Ordinal)))
            {
                Console.Error.WriteLine("server: " + line);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static string? Value(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private static string Metric(string text, string name) =>
        text.Split('\n').FirstOrDefault(l => l.StartsWith(name + " ", StringComparison.Ordinal))?.Split(' ')[1] ?? "?";

    private static long Rss(int pid) =>
        File.ReadLines($"/proc/{pid}/status").Where(l => l.StartsWith("VmRSS:", StringComparison.Ordinal))
            .Select(l => long.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024).FirstOrDefault();

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task WaitAsync(Func<Task<bool>> condition, TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < limit)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("the benchmark's condition did not hold in " + limit);
    }

    /// <summary>Simulated agents speaking the real protocol; each heartbeats every 5 s from a random phase.</summary>
    private sealed class SimulatedFleet(Uri url, HttpMessageInvoker invoker) : IAsyncDisposable
    {
        private readonly ConcurrentBag<(ClientWebSocket Socket, Task Loop)> _agents = [];
        private readonly CancellationTokenSource _stop = new();
        private int _connected;

        public int Connected => _connected;

        public async Task ConnectAsync(string host, string token, CancellationToken cancellationToken)
        {
            var socket = new ClientWebSocket();
            socket.Options.SetRequestHeader("Authorization", "Bearer " + token);
            await socket.ConnectAsync(url, invoker, cancellationToken);
            var send = new SemaphoreSlim(1, 1);
            async Task SendAsync(AgentMessage message)
            {
                await send.WaitAsync(_stop.Token);
                try
                {
                    await socket.SendAsync(ProtocolSerializer.Serialize(message), WebSocketMessageType.Text, true, _stop.Token);
                }
                finally
                {
                    send.Release();
                }
            }

            var facts = new HostFacts(host, "nixos", "bench");
            await SendAsync(new RegisterMessage(ProtocolVersion.Current, facts, 5, []));
            Interlocked.Increment(ref _connected);
            var metrics = new HostMetrics(3, 8L << 30, 2L << 30, 0, 0, 0.1, 0.1, 0.1, 100L << 30, 10L << 30);
            var heartbeat = Task.Run(async () =>
            {
                await Task.Delay(Random.Shared.Next(5000), _stop.Token);
                using var timer = new PeriodicTimer(TimeSpan.FromSeconds(5));
                do
                {
                    await SendAsync(new HeartbeatMessage(metrics));
                }
                while (await timer.WaitForNextTickAsync(_stop.Token));
            });
            var receive = Task.Run(async () =>
            {
                var buffer = new byte[8192];
                long seq = 0;
                while (!_stop.IsCancellationRequested)
                {
                    var result = await socket.ReceiveAsync(buffer, _stop.Token);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        return;
                    }

                    if (ProtocolSerializer.DeserializeServerMessage(buffer.AsSpan(0, result.Count)) is RunCommandMessage run)
                    {
                        await SendAsync(new CommandStartedMessage(run.CommandId) { Seq = ++seq });
                        await SendAsync(new OutputMessage(run.CommandId, 1, OutputStream.Stdout, "hello") { Seq = ++seq });
                        await SendAsync(new OutputMessage(run.CommandId, 2, OutputStream.Stderr, "from " + host) { Seq = ++seq });
                        await SendAsync(new CommandCompletedMessage(run.CommandId, CommandOutcome.Exited, 1, 0) { Seq = ++seq });
                    }
                }
            });
            _agents.Add((socket, Task.WhenAll(heartbeat, receive)));
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            foreach (var (socket, loop) in _agents)
            {
                socket.Abort();
                try
                {
                    await loop;
                }
                catch (Exception e) when (e is OperationCanceledException or WebSocketException or ObjectDisposedException)
                {
                }

                socket.Dispose();
            }

            _stop.Dispose();
        }
    }
}
