using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Flotilla.ControlPlane;
using Flotilla.Contracts;
using Flotilla.ControlPlane.Store;

namespace Flotilla.Bench.ControlPlane;

/// <summary>
/// <c>control-plane-flood</c>: the server (the built CLI's <c>serve</c>) with quiet agents
/// heartbeating and a few agents printing as fast as their connections take it, for a minute,
/// while one event-stream reader follows the flood slowly. Measures the server's memory (RSS
/// sampled, and its peak), what it wrote to disk, the quiet agents' heartbeat handling latency,
/// and checks that the slow reader was dropped and resumed with no line missing or repeated, and
/// that every stored line is the one that was sent (a prefix of each command's output, then the
/// server's truncation marker when the cap was reached). Issue 15's targets: RSS under 512 MiB,
/// heartbeat p99 under 100 ms.
/// </summary>
internal static class FloodBenchmark
{
    private const long RssTarget = 512L * 1024 * 1024;
    private const double HeartbeatTarget = 100;

    public static async Task<int> MainAsync(IEnumerable<string> args, CancellationToken cancellationToken)
    {
        FloodBenchOptions options;
        try
        {
            options = FloodBenchOptions.Parse(args);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
        {
            Console.Error.WriteLine($"bench control-plane-flood: {e.Message}");
            return 2;
        }

        if (!File.Exists(options.CliPath))
        {
            Console.Error.WriteLine($"bench: the CLI {options.CliPath} is not built; run ./flotilla --version (bench/run.sh does)");
            return 1;
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"control-plane-flood benchmark: {options.Flooders} agents printing {options.LineBytes}-byte lines at full speed for {options.DurationSeconds} s, {options.Agents} quiet agents heartbeating every {options.IntervalSeconds} s, one event-stream reader at {options.ReaderBytesPerSecond / 1024} KiB/s; server {options.CliPath} {string.Join(' ', options.ServerArguments)}; stores: {string.Join(", ", options.Stores)}; {Environment.ProcessorCount} cores, load average {LoadAverage()}"));
        var runs = new List<FloodRun>();
        foreach (var store in options.Stores)
        {
            var run = new FloodRun(store);
            runs.Add(run);
            try
            {
                await RunStoreAsync(options, run, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                run.Errors.Add(e.Message);
            }

            foreach (var error in run.Errors)
            {
                Console.Error.WriteLine($"bench: {store}: {error}");
            }
        }

        Print(options, runs);
        return runs.All(r => r.Errors.Count == 0 && r.AllMet) ? 0 : 1;
    }

    private static void Log(string store, string message) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  [{store}] {message}"));

    private static async Task RunStoreAsync(FloodBenchOptions options, FloodRun run, CancellationToken cancellationToken)
    {
        var work = Directory.CreateTempSubdirectory("flotilla-bench-flood-");
        BenchPostgres? postgres = null;
        try
        {
            string? dataDirectory = null;
            string? database = null;
            if (run.Store == "postgres")
            {
                postgres = await BenchPostgres.StartAsync(cancellationToken).ConfigureAwait(false);
                database = await postgres.CreateDatabaseAsync("flotilla_flood", cancellationToken).ConfigureAwait(false);
            }
            else
            {
                dataDirectory = Path.Combine(work.FullName, "data");
            }

            var flooders = Enumerable.Range(1, options.Flooders).Select(i => (Name: string.Create(CultureInfo.InvariantCulture, $"flood-{i:D2}"), Token: Tokens.NewHostToken())).ToList();
            var quiet = Enumerable.Range(1, options.Agents).Select(i => (Name: string.Create(CultureInfo.InvariantCulture, $"quiet-{i:D4}"), Token: Tokens.NewHostToken())).ToList();
            var apiToken = Tokens.NewApiToken();
            var store = await ControlPlaneStores.OpenAsync(dataDirectory, database, cancellationToken).ConfigureAwait(false);
            await using (store.ConfigureAwait(false))
            {
                var now = TimeProvider.System.GetUtcNow();
                foreach (var (name, token) in flooders.Concat(quiet))
                {
                    await store.SetHostTokenAsync(name, Tokens.Hash(token), now, replace: false, cancellationToken).ConfigureAwait(false);
                }

                await store.AddApiTokenAsync("bench", Tokens.Hash(apiToken), now, Flotilla.ControlPlane.Auth.ApiTokenScope.Exec, cancellationToken).ConfigureAwait(false);
            }

            var server = await ServerProcess.StartAsync(options.CliPath, "cli", null, null, options.ServerArguments, dataDirectory, database, Path.Combine(work.FullName, "server.log"), cancellationToken).ConfigureAwait(false);
            await using (server.ConfigureAwait(false))
            {
                run.ServerCommand = server.CommandLine;
                Log(run.Store, $"server pid {server.Pid}: {server.CommandLine}");
                var swarm = new AgentSwarm(TimeSpan.FromSeconds(options.IntervalSeconds), 0);
                await using (swarm.ConfigureAwait(false))
                {
                    using var api = new ControlPlaneApi(server.Url, apiToken);
                    await MeasureAsync(options, run, server, swarm, api, apiToken, dataDirectory, postgres, flooders.Concat(quiet).ToList(), cancellationToken).ConfigureAwait(false);
                }
            }

            if (run.Errors.Count > 0 || !run.AllMet)
            {
                var keep = Path.Combine(Path.GetTempPath(), $"flotilla-bench-flood-{run.Store}-server.log");
                File.Copy(server.LogPath, keep, overwrite: true);
                Log(run.Store, $"the server's log is kept in {keep}");
            }
        }
        finally
        {
            if (postgres is not null)
            {
                await postgres.DisposeAsync().ConfigureAwait(false);
            }

            work.Delete(recursive: true);
        }
    }

    private static async Task MeasureAsync(
        FloodBenchOptions options,
        FloodRun run,
        ServerProcess server,
        AgentSwarm swarm,
        ControlPlaneApi api,
        string apiToken,
        string? dataDirectory,
        BenchPostgres? postgres,
        List<(string Name, string Token)> hosts,
        CancellationToken cancellationToken)
    {
        run.RssIdle = ProcStats.Memory(server.Pid).Rss;
        run.LoadStart = LoadAverage();
        await swarm.ConnectAsync(server.Url, hosts, 32, cancellationToken).ConfigureAwait(false);
        if (swarm.FailureCount > 0 || swarm.RefusedCount > 0)
        {
            run.Errors.Add($"{swarm.FailureCount} agents failed to connect, {swarm.RefusedCount} were refused; first: {string.Join("; ", swarm.Failures.Concat(swarm.Refusals).Take(5))}");
            return;
        }

        using var stopFlood = new CancellationTokenSource();
        var flood = new Flood(options.LineBytes, stopFlood.Token);
        foreach (var agent in swarm.Agents.Where(a => a.Name.StartsWith("flood-", StringComparison.Ordinal)))
        {
            agent.Flooding = flood;
        }

        // Let the quiet agents' heartbeat timers start.
        await Task.Delay(TimeSpan.FromSeconds(options.IntervalSeconds + 1), cancellationToken).ConfigureAwait(false);
        var writtenBefore = ProcStats.WriteBytes(server.Pid);
        using var sampling = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var rss = new ConcurrentBag<long>();
        var sampler = SampleAsync(options, run, server, rss, sampling.Token);
        var serverCpu = ProcStats.CpuSeconds(server.Pid);
        var benchCpu = ProcStats.CpuSeconds(Environment.ProcessId);
        var clock = Stopwatch.StartNew();
        var batch = await api.RunOnAsync("flood-*", ["flood"], cancellationToken, timeoutSeconds: 3600).ConfigureAwait(false);
        var reader = new SlowStreamReader(server.Url, apiToken, batch.BatchId, options.ReaderBytesPerSecond, flood);
        using var stopReader = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var reading = Task.Run(() => reader.RunAsync(stopReader.Token), CancellationToken.None);
        // The reader follows the batch live from the start (a reader that comes late is served from
        // the store at its own pace, and holds nothing); then the agents start printing.
        await reader.Connected.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
        await Task.Delay(500, cancellationToken).ConfigureAwait(false);
        flood.Start();
        Log(run.Store, $"flooding from {options.Flooders} agents (batch {batch.BatchId}); a slow reader follows it");

        run.Heartbeats = await HeartbeatLatenciesAsync(options, swarm, api, TimeSpan.FromSeconds(options.DurationSeconds), server, cancellationToken).ConfigureAwait(false);
        run.FloodSeconds = clock.Elapsed.TotalSeconds;
        run.ServerCpuPercent = 100 * (ProcStats.CpuSeconds(server.Pid) - serverCpu) / run.FloodSeconds;
        run.BenchCpuPercent = 100 * (ProcStats.CpuSeconds(Environment.ProcessId) - benchCpu) / run.FloodSeconds;
        run.LoadEnd = LoadAverage();
        if (!server.HasExited)
        {
            run.MetricsAtEnd = await api.MetricsAsync(cancellationToken).ConfigureAwait(false);
        }

        Log(run.Store, string.Create(CultureInfo.InvariantCulture,
            $"flooded {run.FloodSeconds:F0} s: {flood.Lines} lines ({flood.Bytes / 1048576.0:F0} MiB) sent; server RSS max so far {rss.DefaultIfEmpty(0).Max() / 1048576.0:F0} MiB; heartbeat p99 {run.Heartbeats.P99:F1} ms; reader: {reader.Lines} lines, {reader.Drops} drops"));

        // End the flood: each agent completes its command after its last line.
        await stopFlood.CancelAsync().ConfigureAwait(false);
        reader.Fast();
        var finished = await WaitFinishedAsync(api, batch.BatchId, options.Flooders, server, TimeSpan.FromSeconds(300), cancellationToken).ConfigureAwait(false);
        if (!finished)
        {
            run.Errors.Add(server.HasExited ? "the server died: " + (run.KilledAtGuard ? "killed by the benchmark's RSS guard" : server.Tail()) : "the flood's commands did not finish within 300 s of the end");
        }

        var readerDone = await Task.WhenAny(reading, Task.Delay(TimeSpan.FromSeconds(finished ? 300 : 5), cancellationToken)).ConfigureAwait(false) == reading;
        await stopReader.CancelAsync().ConfigureAwait(false);
        try
        {
            await reading.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        run.Reader = reader;
        run.ReaderEnded = readerDone && reader.Ended;
        // All of it, up to each agent's last line (they print on while the flood stops).
        run.LinesSent = flood.Lines;
        run.BytesSent = flood.Bytes;
        await sampling.CancelAsync().ConfigureAwait(false);
        await sampler.ConfigureAwait(false);
        run.RssMax = rss.DefaultIfEmpty(0).Max();
        run.RssPeak = Math.Max(run.RssPeak, ProcStats.Memory(server.Pid).Peak);
        run.ServerWrittenBytes = ProcStats.WriteBytes(server.Pid) - writtenBefore;
        run.StoreBytes = dataDirectory is null ? postgres is null ? 0 : DirectoryBytes(postgres.DataDirectory) : DirectoryBytes(dataDirectory);
        if (finished && !server.HasExited)
        {
            await VerifyStoredAsync(options, run, api, batch, flood, cancellationToken).ConfigureAwait(false);
        }

        run.ServerUp = !server.HasExited;
    }

    /// <summary>Samples the server's RSS every half second; past the guard, kills it (SIGKILL) so the machine survives the old server.</summary>
    private static async Task SampleAsync(FloodBenchOptions options, FloodRun run, ServerProcess server, ConcurrentBag<long> samples, CancellationToken cancellationToken)
    {
        try
        {
            while (!server.HasExited)
            {
                var (rss, peak) = ProcStats.Memory(server.Pid);
                samples.Add(rss);
                run.RssPeak = Math.Max(run.RssPeak, peak);
                if (rss > options.RssGuardBytes && !run.KilledAtGuard)
                {
                    run.KilledAtGuard = true;
                    Log(run.Store, string.Create(CultureInfo.InvariantCulture, $"server RSS {rss / 1048576.0:F0} MiB passed the guard of {options.RssGuardBytes / 1048576} MiB: killing it"));
                    Process.GetProcessById(server.Pid).Kill();
                }

                await Task.Delay(500, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>As control-plane's steady window: the quiet agents' heartbeat handling latencies from <c>GET /api/hosts</c> every 2 s.</summary>
    private static async Task<Latencies> HeartbeatLatenciesAsync(FloodBenchOptions options, AgentSwarm swarm, ControlPlaneApi api, TimeSpan duration, ServerProcess server, CancellationToken cancellationToken)
    {
        var agents = swarm.Agents.Where(a => a.Name.StartsWith("quiet-", StringComparison.Ordinal)).ToDictionary(a => a.Name, StringComparer.Ordinal);
        foreach (var host in await api.HostsAsync(cancellationToken).ConfigureAwait(false))
        {
            if (agents.TryGetValue(host.Name, out var agent))
            {
                agent.LastSampled = host.Metrics?.DiskUsedBytes ?? 0;
            }
        }

        var latencies = new List<double>();
        var window = Stopwatch.StartNew();
        var poll = TimeSpan.FromSeconds(2);
        for (var next = poll; next <= duration && !server.HasExited; next += poll)
        {
            var wait = next - window.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
            }

            IReadOnlyList<HostView> views;
            try
            {
                views = await api.HostsAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException) when (server.HasExited)
            {
                break;
            }

            foreach (var view in views)
            {
                if (agents.TryGetValue(view.Name, out var agent) && view.Metrics is { } metrics && view.LastSeen is { } seen
                    && metrics.DiskUsedBytes > agent.LastSampled && agent.SentAt(metrics.DiskUsedBytes) is { } sent)
                {
                    latencies.Add((seen.UtcTicks - sent) / (double)TimeSpan.TicksPerMillisecond);
                    agent.LastSampled = metrics.DiskUsedBytes;
                }
            }
        }

        _ = options;
        return Latencies.Of(latencies);
    }

    private static async Task<bool> WaitFinishedAsync(ControlPlaneApi api, string batch, int count, ServerProcess server, TimeSpan limit, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < limit && !server.HasExited)
        {
            try
            {
                var commands = await api.CommandsAsync(batch, null, count + 10, cancellationToken).ConfigureAwait(false);
                if (commands.Count == count && commands.All(c => c.State is not ("queued" or "running")))
                {
                    return true;
                }
            }
            catch (HttpRequestException) when (server.HasExited)
            {
                return false;
            }

            await Task.Delay(500, cancellationToken).ConfigureAwait(false);
        }

        return false;
    }

    /// <summary>
    /// Reads every stored line of every flooded command and compares it with what its agent sent:
    /// lines 1..k in order with the agent's text, and, when the cap was reached, line k the
    /// server's marker and the command's message counting exactly the lines sent after it.
    /// </summary>
    private static async Task VerifyStoredAsync(FloodBenchOptions options, FloodRun run, ControlPlaneApi api, CreateCommandsResponse batch, Flood flood, CancellationToken cancellationToken)
    {
        var commands = await api.CommandsAsync(batch.BatchId, null, options.Flooders + 10, cancellationToken).ConfigureAwait(false);
        foreach (var command in commands)
        {
            if (!flood.Commands.TryGetValue(command.Host, out var sent))
            {
                run.Errors.Add($"{command.Host}: its agent never finished flooding ({command.State})");
                continue;
            }

            long stored = 0;
            long storedBytes = 0;
            var marker = false;
            var intact = true;
            while (true)
            {
                var page = await api.OutputAsync(command.Id, stored, cancellationToken).ConfigureAwait(false);
                if (page.Count == 0)
                {
                    break;
                }

                foreach (var line in page)
                {
                    stored++;
                    storedBytes += line.Text.Length;
                    if (marker || line.Line != stored)
                    {
                        intact = false;
                    }
                    else if (line.Stream == "stderr" && line.Text.StartsWith("[flotilla] output truncated", StringComparison.Ordinal))
                    {
                        marker = true;
                    }
                    else if (line.Text != flood.Text(command.Host, line.Line))
                    {
                        intact = false;
                    }
                }
            }

            run.LinesStored += stored;
            run.BytesStored += storedBytes;
            run.CommandsTruncated += marker ? 1 : 0;
            var expectedNote = string.Create(CultureInfo.InvariantCulture, $"{sent.Lines - (stored - 1)} more lines");
            if (!intact || (marker ? !(command.Message ?? "").Contains(expectedNote, StringComparison.Ordinal) : stored != sent.Lines) || command.State != "succeeded")
            {
                run.Errors.Add(string.Create(CultureInfo.InvariantCulture,
                    $"{command.Host}: {command.State}, {stored} lines stored of {sent.Lines} sent, {(intact ? "in order" : "NOT INTACT")}, {(marker ? "truncated" : "whole")}; message: {command.Message}"));
            }
        }
    }

    private static long DirectoryBytes(string directory) =>
        Directory.Exists(directory) ? new DirectoryInfo(directory).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length) : 0;

    private static double LoadAverage() =>
        double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture);

    private static void Print(FloodBenchOptions options, List<FloodRun> runs)
    {
        string F(double value, string format) => double.IsNaN(value) ? "-" : value.ToString(format, CultureInfo.InvariantCulture);
        string Mib(long bytes) => F(bytes / 1048576.0, "F0");
        string Metric(FloodRun r, string series) => r.MetricsAtEnd.TryGetValue(series, out var value) ? F(value, "F0") : "-";
        var rows = new List<(string Label, Func<FloodRun, string> Value)>
        {
            ("server RSS idle, MiB", r => Mib(r.RssIdle)),
            ("**server RSS max (VmRSS, every 0.5 s) / peak (VmHWM), MiB** (target < 512)", r => $"**{Mib(r.RssMax)}** / {Mib(r.RssPeak)}{(r.KilledAtGuard ? " (killed at the guard)" : "")}"),
            ("flood: lines sent / MiB sent / seconds", r => string.Create(CultureInfo.InvariantCulture, $"{r.LinesSent} / {r.BytesSent / 1048576.0:F0} / {r.FloodSeconds:F0}")),
            ("flood: lines/s taken from all agents (over the flood's seconds)", r => F(r.LinesSent / r.FloodSeconds, "F0")),
            ("lines stored / MiB stored (commands truncated)", r => string.Create(CultureInfo.InvariantCulture, $"{r.LinesStored} / {r.BytesStored / 1048576.0:F1} ({r.CommandsTruncated})")),
            ("store on disk at the end, MiB / server's writes (/proc/PID/io), MiB", r => $"{Mib(r.StoreBytes)} / {Mib(r.ServerWrittenBytes)}"),
            ("**quiet agents' heartbeat handling p50 / p99 / max, ms** (target p99 < 100)", r => $"{F(r.Heartbeats.P50, "F1")} / **{F(r.Heartbeats.P99, "F1")}** / {F(r.Heartbeats.Max, "F1")} ({r.Heartbeats.Count} heartbeats)"),
            ("slow reader: connections / drops / lines read / wrong or missing / reached end", r => r.Reader is { } reader ? $"{reader.Connections} / {reader.Drops} / {reader.Lines} / {reader.Wrong} / {(r.ReaderEnded ? "yes" : "NO")}" : "-"),
            ("server CPU during the flood, % of one core / load generator", r => $"{F(r.ServerCpuPercent, "F0")} / {F(r.BenchCpuPercent, "F0")}"),
            ("/metrics at the end: connections paused (store / rate), store queue bytes, readers dropped", r => $"{Metric(r, "flotilla_agent_connections_paused{reason=\"store\"}")} / {Metric(r, "flotilla_agent_connections_paused{reason=\"rate\"}")}, {Metric(r, "flotilla_store_queue_bytes")}, {Metric(r, "flotilla_event_subscribers_dropped_total")}"),
            ("machine load average: start / end of the flood", r => $"{F(r.LoadStart, "F1")} / {F(r.LoadEnd, "F1")}"),
            ("target: RSS < 512 MiB", r => r.RssPeak > 0 && r.RssPeak < RssTarget && !r.KilledAtGuard ? "met" : "MISSED"),
            ("target: slow reader dropped and resumed without gaps", r => r.ReaderResumedWithoutGaps ? "met" : "MISSED"),
            ("target: heartbeat p99 < 100 ms", r => r.Heartbeats.P99 < HeartbeatTarget ? "met" : "MISSED"),
            ("target: every stored line intact", r => r.Errors.Count == 0 && r.LinesStored > 0 ? "met" : "MISSED"),
        };
        Console.WriteLine();
        Console.WriteLine($"| {options.Flooders} flooding + {options.Agents} quiet agents, {options.DurationSeconds} s | {string.Join(" | ", runs.Select(r => r.Store == "sqlite" ? "SQLite" : "PostgreSQL"))} |");
        Console.WriteLine($"| --- |{string.Concat(runs.Select(_ => " --- |"))}");
        foreach (var (label, value) in rows)
        {
            Console.WriteLine($"| {label} | {string.Join(" | ", runs.Select(value))} |");
        }

        Console.WriteLine();
        foreach (var run in runs)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"control-plane-flood [{run.Store}]: ran with {options.Flooders} flooding and {options.Agents} quiet agents for {options.DurationSeconds} s; server {(run.ServerUp ? "up" : "DOWN")}; targets {(run.AllMet && run.Errors.Count == 0 ? "met" : "MISSED")}"));
        }
    }
}

/// <summary>What one store's flood run measured.</summary>
internal sealed class FloodRun(string store)
{
    public string Store { get; } = store;
    public string ServerCommand { get; set; } = "";
    public List<string> Errors { get; } = [];
    public long RssIdle { get; set; }
    public long RssMax { get; set; }
    public long RssPeak { get; set; }
    public bool KilledAtGuard { get; set; }
    public double FloodSeconds { get; set; } = double.NaN;
    public long LinesSent { get; set; }
    public long BytesSent { get; set; }
    public long LinesStored { get; set; }
    public long BytesStored { get; set; }
    public int CommandsTruncated { get; set; }
    public long StoreBytes { get; set; }
    public long ServerWrittenBytes { get; set; }
    public Latencies Heartbeats { get; set; } = new(0, double.NaN, double.NaN, double.NaN);
    public SlowStreamReader? Reader { get; set; }
    public bool ReaderEnded { get; set; }
    public double ServerCpuPercent { get; set; } = double.NaN;
    public double BenchCpuPercent { get; set; } = double.NaN;
    public double LoadStart { get; set; } = double.NaN;
    public double LoadEnd { get; set; } = double.NaN;
    public IReadOnlyDictionary<string, double> MetricsAtEnd { get; set; } = new Dictionary<string, double>();
    public bool ServerUp { get; set; }

    public bool ReaderResumedWithoutGaps => Reader is { Drops: > 0, Wrong: 0 } && ReaderEnded;

    public bool AllMet => RssPeak is > 0 and < 512L * 1024 * 1024 && !KilledAtGuard && ReaderResumedWithoutGaps && Heartbeats.P99 < 100;
}
