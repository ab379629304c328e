using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Flotilla.ControlPlane;
using Flotilla.Contracts;
using Flotilla.ControlPlane.Store;

namespace Flotilla.Bench.ControlPlane;

/// <summary>
/// <c>control-plane</c>: for each store (SQLite, then a throwaway PostgreSQL cluster), enrols
/// N hosts with their own tokens through the store API the CLI's <c>hosts add</c> uses, starts
/// the real server as its own process, connects N simulated agents from this process
/// (<see cref="AgentSwarm"/>), measures a steady heartbeating window (connections held, server
/// RSS, heartbeat handling latency, CPU), then fans one command out to all hosts through
/// <c>POST /api/commands</c> and times until every output line is stored, verifying every line.
/// Prints a table side by side and whether each target is met. Any connect failure, dropped
/// connection, missing command or output line makes it exit 1.
/// </summary>
internal static class ControlPlaneBenchmark
{
    private const long RssTarget = 1L << 30;
    private const double FanOutTarget = 3.0;

    /// <summary>Parses the options (a bad one: a message and exit 2) and runs.</summary>
    public static async Task<int> MainAsync(IEnumerable<string> args, CancellationToken cancellationToken)
    {
        ControlPlaneBenchOptions options;
        try
        {
            options = ControlPlaneBenchOptions.Parse(args);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
        {
            Console.Error.WriteLine($"bench control-plane: {e.Message}");
            return 2;
        }

        return await RunAsync(options, cancellationToken).ConfigureAwait(false);
    }

    public static async Task<int> RunAsync(ControlPlaneBenchOptions options, CancellationToken cancellationToken)
    {
        if (options.Server == "cli" && !File.Exists(options.CliPath))
        {
            Console.Error.WriteLine($"bench: the CLI {options.CliPath} is not built; run ./flotilla --version (bench/run.sh does)");
            return 1;
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"control-plane benchmark: {options.Agents} simulated agents in this process (heartbeat every {options.IntervalSeconds} s), {options.DurationSeconds} s steady window, then one command to all ({options.Lines} output lines each); stores: {string.Join(", ", options.Stores)}; {Environment.ProcessorCount} cores"));
        var runs = new List<StoreRun>();
        foreach (var store in options.Stores)
        {
            var run = new StoreRun(store);
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
        return runs.Any(r => r.Errors.Count > 0) ? 1 : 0;
    }

    private static void Log(string store, string message) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  [{store}] {message}"));

    private static async Task RunStoreAsync(ControlPlaneBenchOptions options, StoreRun run, CancellationToken cancellationToken)
    {
        var work = Directory.CreateTempSubdirectory("flotilla-bench-cp-");
        BenchPostgres? postgres = null;
        try
        {
            string? dataDirectory = null;
            string? database = null;
            if (run.Store == "postgres")
            {
                postgres = await BenchPostgres.StartAsync(cancellationToken).ConfigureAwait(false);
                database = await postgres.CreateDatabaseAsync("flotilla_bench", cancellationToken).ConfigureAwait(false);
                Log(run.Store, $"PostgreSQL {postgres.Version} on 127.0.0.1:{postgres.Port} (fsync on, synchronous_commit on)");
            }
            else
            {
                dataDirectory = Path.Combine(work.FullName, "data");
            }

            var (hosts, apiToken) = await EnrolAsync(options, run, dataDirectory, database, cancellationToken).ConfigureAwait(false);
            var server = await ServerProcess.StartAsync(options, dataDirectory, database, Path.Combine(work.FullName, "server.log"), cancellationToken).ConfigureAwait(false);
            await using (server.ConfigureAwait(false))
            {
                run.ServerCommand = server.CommandLine;
                Log(run.Store, $"server pid {server.Pid}: {server.CommandLine}");
                var swarm = new AgentSwarm(TimeSpan.FromSeconds(options.IntervalSeconds), options.Lines);
                await using (swarm.ConfigureAwait(false))
                {
                    using var api = new ControlPlaneApi(server.Url, apiToken);
                    await MeasureAsync(options, run, server, swarm, api, postgres, hosts, cancellationToken).ConfigureAwait(false);
                }
            }

            if (run.Errors.Count > 0)
            {
                var keep = Path.Combine(Path.GetTempPath(), $"flotilla-bench-cp-{run.Store}-server.log");
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

    /// <summary>N hosts with tokens and one API token, written as <c>flotilla hosts add</c> and <c>tokens create-api</c> write them (the server is not running yet).</summary>
    private static async Task<(List<(string Name, string Token)> Hosts, string ApiToken)> EnrolAsync(
        ControlPlaneBenchOptions options, StoreRun run, string? dataDirectory, string? database, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        var hosts = Enumerable.Range(1, options.Agents)
            .Select(i => (Name: string.Create(CultureInfo.InvariantCulture, $"bench-{i:D5}"), Token: Tokens.NewHostToken()))
            .ToList();
        var apiToken = Tokens.NewApiToken();
        var store = await ControlPlaneStores.OpenAsync(dataDirectory, database, cancellationToken).ConfigureAwait(false);
        await using (store.ConfigureAwait(false))
        {
            var now = TimeProvider.System.GetUtcNow();
            // SQLite has one writer anyway; PostgreSQL commits concurrent transactions in groups.
            var parallel = database is null ? 1 : 16;
            await Parallel.ForEachAsync(hosts, new ParallelOptions { MaxDegreeOfParallelism = parallel, CancellationToken = cancellationToken }, async (host, token) =>
            {
                if (!await store.SetHostTokenAsync(host.Name, Tokens.Hash(host.Token), now, replace: false, token).ConfigureAwait(false))
                {
                    throw new InvalidOperationException($"bench: host {host.Name} exists in a fresh store");
                }
            }).ConfigureAwait(false);
            if (!await store.AddApiTokenAsync("bench", Tokens.Hash(apiToken), now, Flotilla.ControlPlane.Auth.ApiTokenScope.Exec, cancellationToken).ConfigureAwait(false))
            {
                throw new InvalidOperationException("bench: the API token exists in a fresh store");
            }
        }

        run.EnrolSeconds = watch.Elapsed.TotalSeconds;
        Log(run.Store, string.Create(CultureInfo.InvariantCulture, $"enrolled {hosts.Count} hosts with their own tokens in {run.EnrolSeconds:F1} s"));
        return (hosts, apiToken);
    }

    private static async Task MeasureAsync(
        ControlPlaneBenchOptions options,
        StoreRun run,
        ServerProcess server,
        AgentSwarm swarm,
        ControlPlaneApi api,
        BenchPostgres? postgres,
        List<(string Name, string Token)> hosts,
        CancellationToken cancellationToken)
    {
        run.RssIdle = ProcStats.Memory(server.Pid).Rss;
        var limits = await api.MetricsAsync(cancellationToken).ConfigureAwait(false);
        run.AgentLimit = (int)limits.GetValueOrDefault("flotilla_agents_max", double.NaN);
        run.OpenFilesLimit = limits.GetValueOrDefault("flotilla_open_files_limit", double.NaN);
        var watch = Stopwatch.StartNew();
        await swarm.ConnectAsync(server.Url, hosts, options.ConnectParallel, cancellationToken).ConfigureAwait(false);
        run.Refused = swarm.RefusedCount;
        run.Admitted = options.Agents - swarm.RefusedCount;
        if (swarm.FailureCount > 0)
        {
            run.Errors.Add($"{swarm.FailureCount} agents failed to connect or dropped; first: {string.Join("; ", swarm.Failures.Take(5))}");
            return;
        }

        if (run.Refused > 0)
        {
            // Past the server's agent limit: every agent up to it is taken, every one past it refused with a reason.
            run.RefusalReason = swarm.Refusals.First();
            Log(run.Store, $"{run.Refused} agents refused with 503 (\"{run.RefusalReason}\"); {run.Admitted} taken; the server's agent limit is {run.AgentLimit}");
            if (run.Admitted != run.AgentLimit || swarm.Refusals.Any(r => string.IsNullOrWhiteSpace(r)))
            {
                run.Errors.Add($"{run.Admitted} agents were taken and {run.Refused} refused; the server's limit is {run.AgentLimit}");
                return;
            }
        }

        // Every agent has its "registered"; the API must show every host online too.
        var online = 0;
        while (watch.Elapsed < TimeSpan.FromSeconds(300))
        {
            online = (await api.HostsAsync(cancellationToken).ConfigureAwait(false)).Count(h => h.Status == "online");
            if (online == run.Admitted)
            {
                break;
            }

            await Task.Delay(250, cancellationToken).ConfigureAwait(false);
        }

        run.ConnectSeconds = watch.Elapsed.TotalSeconds;
        run.Connected = online;
        if (online != run.Admitted)
        {
            run.Errors.Add($"{online} hosts are online in GET /api/hosts, not the {run.Admitted} agents taken");
            return;
        }

        run.RssConnected = ProcStats.Memory(server.Pid).Rss;
        Log(run.Store, string.Create(CultureInfo.InvariantCulture, $"{online} agents connected and online in {run.ConnectSeconds:F1} s; server RSS {Mib(run.RssConnected)}"));

        // Let every agent's heartbeat timer start (the first beat comes after a random phase).
        await Task.Delay(TimeSpan.FromSeconds(options.IntervalSeconds + 1), cancellationToken).ConfigureAwait(false);
        using var sampling = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var rssSamples = new ConcurrentBag<long>();
        var sampler = SampleRssAsync(server.Pid, rssSamples, sampling.Token);
        await SteadyWindowAsync(options, run, server, swarm, api, postgres, cancellationToken).ConfigureAwait(false);
        run.RssSteadyMax = rssSamples.DefaultIfEmpty(0).Max();
        Log(run.Store, string.Create(CultureInfo.InvariantCulture,
            $"steady {options.DurationSeconds} s: {run.HeldByAgents} connections held, server RSS max {Mib(run.RssSteadyMax)}, heartbeat p50 {run.Heartbeats.P50:F1} ms p99 {run.Heartbeats.P99:F1} ms ({run.Heartbeats.Count} heartbeats)"));
        if (swarm.FailureCount > 0)
        {
            run.Errors.Add($"{swarm.FailureCount} agents dropped during the steady window; first: {string.Join("; ", swarm.Failures.Take(5))}");
            return;
        }

        for (var i = 0; i < options.FanOuts && run.Errors.Count == 0; i++)
        {
            await FanOutAsync(options, run, server, swarm, api, postgres, cancellationToken).ConfigureAwait(false);
        }

        await sampling.CancelAsync().ConfigureAwait(false);
        await sampler.ConfigureAwait(false);
        (run.RssAfterFanOut, run.RssPeak) = ProcStats.Memory(server.Pid);
        if (postgres is not null)
        {
            run.PostgresRss = ProcStats.PssWithChildren(postgres.PostmasterPid);
        }

        if (swarm.FailureCount > 0)
        {
            run.Errors.Add($"{swarm.FailureCount} agents failed; first: {string.Join("; ", swarm.Failures.Take(5))}");
        }

        run.Retries = swarm.Retries;
        run.ServerUp = !server.HasExited && await HealthyAsync(server, cancellationToken).ConfigureAwait(false);
        if (server.HasExited)
        {
            run.Errors.Add("the server exited during the benchmark:\n" + server.Tail());
        }
    }

    private static async Task<bool> HealthyAsync(ServerProcess server, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        try
        {
            using var response = await http.GetAsync(new Uri(server.Url, "/healthz"), cancellationToken).ConfigureAwait(false);
            return response.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    private static async Task SampleRssAsync(int pid, ConcurrentBag<long> samples, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                samples.Add(ProcStats.Memory(pid).Rss);
                await Task.Delay(500, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>
    /// Reads <c>GET /api/hosts</c> every poll interval: each host's <c>lastSeen</c> is the server's
    /// clock when it handled the host's latest heartbeat, whose number the metrics carry; minus
    /// the agent's clock (the same machine's) when it sent that heartbeat, that is one handling
    /// latency. Each heartbeat is counted once.
    /// </summary>
    private static async Task SteadyWindowAsync(
        ControlPlaneBenchOptions options,
        StoreRun run,
        ServerProcess server,
        AgentSwarm swarm,
        ControlPlaneApi api,
        BenchPostgres? postgres,
        CancellationToken cancellationToken)
    {
        var agents = swarm.Agents.ToDictionary(a => a.Name, StringComparer.Ordinal);
        foreach (var agent in swarm.Agents)
        {
            agent.LastSampled = long.MaxValue;
        }

        // Heartbeats sent before the window are not counted: take each host's current number first.
        foreach (var host in await api.HostsAsync(cancellationToken).ConfigureAwait(false))
        {
            if (agents.TryGetValue(host.Name, out var agent))
            {
                agent.LastSampled = host.Metrics?.DiskUsedBytes ?? 0;
            }
        }

        var latencies = new List<double>();
        var polls = new List<double>();
        var serverCpu = ProcStats.CpuSeconds(server.Pid);
        var benchCpu = ProcStats.CpuSeconds(Environment.ProcessId);
        var postgresCpu = postgres is null ? 0 : ProcStats.CpuSecondsWithChildren(postgres.PostmasterPid);
        var window = Stopwatch.StartNew();
        var poll = TimeSpan.FromSeconds(options.PollSeconds);
        var duration = TimeSpan.FromSeconds(options.DurationSeconds);
        for (var next = poll; next <= duration; next += poll)
        {
            var wait = next - window.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
            }

            var started = Stopwatch.GetTimestamp();
            var views = await api.HostsAsync(cancellationToken).ConfigureAwait(false);
            polls.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
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

        var elapsed = window.Elapsed.TotalSeconds;
        run.ServerCpuPercent = 100 * (ProcStats.CpuSeconds(server.Pid) - serverCpu) / elapsed;
        run.BenchCpuPercent = 100 * (ProcStats.CpuSeconds(Environment.ProcessId) - benchCpu) / elapsed;
        run.PostgresCpuPercent = postgres is null ? null : 100 * (ProcStats.CpuSecondsWithChildren(postgres.PostmasterPid) - postgresCpu) / elapsed;
        run.Heartbeats = Latencies.Of(latencies);
        run.HeartbeatsExpected = (int)(run.Admitted * elapsed / options.IntervalSeconds);
        polls.Sort();
        run.HostsPollMedianMs = polls.Count == 0 ? double.NaN : polls[polls.Count / 2];
        run.HeldByAgents = swarm.OpenCount;
        var metricsNow = await api.MetricsAsync(cancellationToken).ConfigureAwait(false);
        run.HeldByServer = metricsNow.GetValueOrDefault("flotilla_agent_connections", double.NaN);
        run.MessagesPerSecond = metricsNow.GetValueOrDefault("flotilla_agent_messages_per_second", double.NaN);
        run.OnlineInApi = (await api.HostsAsync(cancellationToken).ConfigureAwait(false)).Count(h => h.Status == "online");
        if (run.HeldByAgents != run.Admitted || (int)run.HeldByServer != run.Admitted || run.OnlineInApi != run.Admitted)
        {
            run.Errors.Add($"connections held after the steady window: {run.HeldByAgents} open agents, {run.HeldByServer} server connections, {run.OnlineInApi} hosts online; expected {run.Admitted}");
        }
    }

    /// <summary>
    /// <c>POST /api/commands</c> on <c>all</c>; the clock stops when the last agent has the server's
    /// acknowledgement of its <c>completed</c> message (the server acknowledges only what it has
    /// stored, in order, so every output line before it is stored too). The API then must show every
    /// command succeeded with every line, which the benchmark checks line by line.
    /// </summary>
    private static async Task FanOutAsync(ControlPlaneBenchOptions options, StoreRun run, ServerProcess server, AgentSwarm swarm, ControlPlaneApi api, BenchPostgres? postgres, CancellationToken cancellationToken)
    {
        // Start from a quiet server: what the previous fan-out left (verification reads) is done.
        await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken).ConfigureAwait(false);
        var postgresCpu = postgres is null ? 0 : ProcStats.CpuSecondsWithChildren(postgres.PostmasterPid);
        var allStored = swarm.ExpectCommands(run.Admitted);
        var perf = options.PerfDirectory is null ? null : StartPerf(options.PerfDirectory, run.Store, server.Pid);
        var serverCpu = ProcStats.CpuSeconds(server.Pid);
        var benchCpu = ProcStats.CpuSeconds(Environment.ProcessId);
        var start = Stopwatch.GetTimestamp();
        // Past the agent limit, to the agents taken (the others' commands would wait for them).
        var on = run.Refused == 0 ? "all" : string.Join(',', swarm.AdmittedAgents.Select(a => a.Name));
        var response = await api.RunOnAsync(on, ["echo", "hello from flotilla"], cancellationToken).ConfigureAwait(false);
        var post = Stopwatch.GetElapsedTime(start).TotalSeconds;
        double stored = double.NaN, received = double.NaN;
        if (response.Commands.Length != run.Admitted)
        {
            run.Errors.Add($"POST /api/commands made {response.Commands.Length} commands, not {run.Admitted}");
            return;
        }

        // The API's view, polled as a script would (this costs the server a little during the fan-out).
        var confirmed = ConfirmFinishedAsync(api, response.BatchId, start, cancellationToken);
        try
        {
            await allStored.WaitAsync(TimeSpan.FromSeconds(120), cancellationToken).ConfigureAwait(false);
            stored = Stopwatch.GetElapsedTime(start, swarm.LastStoredTimestamp).TotalSeconds;
            received = Stopwatch.GetElapsedTime(start, swarm.LastReceivedTimestamp).TotalSeconds;
        }
        catch (TimeoutException)
        {
            run.Errors.Add($"after 120 s, {swarm.CommandsReceived} agents had the command and {swarm.CommandsStored} had their completion stored, of {run.Admitted}");
        }

        var apiConfirmed = await confirmed.ConfigureAwait(false);
        if (perf is not null)
        {
            await StopPerfAsync(perf, options.PerfDirectory!, run.Store, server.Pid).ConfigureAwait(false);
        }

        var fanOut = new FanOut(
            post,
            received,
            stored,
            apiConfirmed,
            ProcStats.CpuSeconds(server.Pid) - serverCpu,
            ProcStats.CpuSeconds(Environment.ProcessId) - benchCpu,
            postgres is null ? 0 : ProcStats.CpuSecondsWithChildren(postgres.PostmasterPid) - postgresCpu,
            LoadAverage());
        run.FanOuts.Add(fanOut);
        Log(run.Store, string.Create(CultureInfo.InvariantCulture,
            $"fan-out {run.FanOuts.Count}: POST answered in {post:F2} s; the last agent had the command at {received:F2} s; every completion stored at {stored:F2} s; the API showed every command finished at {apiConfirmed:F2} s; CPU s server {fanOut.ServerCpu:F1}, load generator {fanOut.BenchCpu:F1}, PostgreSQL {fanOut.PostgresCpu:F1}; load average {fanOut.Load:F1}"));
        await VerifyAsync(options, run, api, response.BatchId, cancellationToken).ConfigureAwait(false);
    }

    private static Process StartPerf(string directory, string store, int pid)
    {
        Directory.CreateDirectory(directory);
        var startInfo = new ProcessStartInfo("perf") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in new[] { "record", "-F", "499", "-g", "-p", pid.ToString(CultureInfo.InvariantCulture), "-o", Path.Combine(directory, $"perf-{store}.data") })
        {
            startInfo.ArgumentList.Add(argument);
        }

        var process = Process.Start(startInfo) ?? throw new InvalidOperationException("bench: could not start perf");
        Thread.Sleep(500);
        return process;
    }

    private static async Task StopPerfAsync(Process perf, string directory, string store, int pid)
    {
        await Flotilla.Processes.ProcessRunner.RunAsync("kill", ["-INT", perf.Id.ToString(CultureInfo.InvariantCulture)]).ConfigureAwait(false);
        await perf.WaitForExitAsync().ConfigureAwait(false);
        perf.Dispose();
        var map = $"/tmp/perf-{pid}.map";
        if (File.Exists(map))
        {
            File.Copy(map, Path.Combine(directory, $"perf-{pid}.map"), overwrite: true);
        }

        Log(store, $"perf: {Path.Combine(directory, $"perf-{store}.data")} (perf report -i FILE; symbols: /tmp/perf-{pid}.map)");
    }

    /// <summary>Seconds from <paramref name="start"/> until the API lists no queued or running command of the batch (bounded: 120 s).</summary>
    private static async Task<double> ConfirmFinishedAsync(ControlPlaneApi api, string batch, long start, CancellationToken cancellationToken)
    {
        while (Stopwatch.GetElapsedTime(start) < TimeSpan.FromSeconds(120))
        {
            var queued = await api.CommandsAsync(batch, "queued", 1, cancellationToken).ConfigureAwait(false);
            var running = queued.Count == 0 ? await api.CommandsAsync(batch, "running", 1, cancellationToken).ConfigureAwait(false) : queued;
            if (queued.Count == 0 && running.Count == 0)
            {
                return Stopwatch.GetElapsedTime(start).TotalSeconds;
            }

            await Task.Delay(250, cancellationToken).ConfigureAwait(false);
        }

        return double.NaN;
    }

    private static async Task VerifyAsync(ControlPlaneBenchOptions options, StoreRun run, ControlPlaneApi api, string batch, CancellationToken cancellationToken)
    {
        var commands = await api.CommandsAsync(batch, null, options.Agents + 100, cancellationToken).ConfigureAwait(false);
        var succeeded = commands.Count(c => c.State == "succeeded" && c.ExitCode == 0);
        run.CommandsSucceeded += succeeded;
        if (commands.Count != run.Admitted || succeeded != run.Admitted)
        {
            var states = string.Join(", ", commands.GroupBy(c => c.State).Select(g => $"{g.Count()} {g.Key}"));
            run.Errors.Add($"the batch has {commands.Count} commands ({states}); expected {run.Admitted} succeeded");
        }

        var hosts = commands.Select(c => c.Host).Distinct(StringComparer.Ordinal).Count();
        if (hosts != commands.Count)
        {
            run.Errors.Add($"the batch's {commands.Count} commands are on {hosts} hosts, not one each");
        }

        long stored = 0;
        var wrong = new ConcurrentQueue<string>();
        await Parallel.ForEachAsync(commands, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (command, token) =>
        {
            var lines = await api.OutputAsync(command.Id, token).ConfigureAwait(false);
            Interlocked.Add(ref stored, lines.Count);
            var expected = Enumerable.Range(1, options.Lines).Select(i => SimulatedAgent.ExpectedLine(command.Host, i));
            if (!lines.Select(l => l.Text).SequenceEqual(expected) || lines.Select((l, i) => l.Line == i + 1 && l.Stream == "stdout" && l.Host == command.Host).Any(ok => !ok))
            {
                wrong.Enqueue($"{command.Host} ({command.Id}): {lines.Count} lines stored");
            }
        }).ConfigureAwait(false);
        run.LinesStored += stored;
        run.LinesExpected += (long)run.Admitted * options.Lines;
        if (!wrong.IsEmpty || stored != (long)run.Admitted * options.Lines)
        {
            run.Errors.Add($"{stored} output lines stored of {(long)run.Admitted * options.Lines}; {wrong.Count} commands with missing or wrong lines, e.g. {string.Join("; ", wrong.Take(3))}");
        }
    }

    private static double LoadAverage() =>
        double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture);

    private static string Mib(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024):F0} MiB");

    private static void Print(ControlPlaneBenchOptions options, List<StoreRun> runs)
    {
        string F(double value, string format) => double.IsNaN(value) ? "-" : value.ToString(format, CultureInfo.InvariantCulture);
        var rows = new List<(string Label, Func<StoreRun, string> Value)>
        {
            ("hosts enrolled (store API), s", r => F(r.EnrolSeconds, "F1")),
            ("agents connected + online, s", r => F(r.ConnectSeconds, "F1")),
            ("server open-file limit / agent limit (/metrics)", r => $"{F(r.OpenFilesLimit, "F0")} / {r.AgentLimit}"),
            ("agents taken / refused with 503 (refused agents' retries, taken later)", r => $"{r.Admitted} / {r.Refused} ({r.Retries.Attempts}, {r.Retries.Admitted})"),
            ("connections held (agents / server /metrics / online in API)", r => $"{r.HeldByAgents} / {F(r.HeldByServer, "F0")} / {r.OnlineInApi}"),
            ("server RSS idle, MiB", r => F(r.RssIdle / 1048576.0, "F0")),
            ("server RSS all connected, MiB", r => F(r.RssConnected / 1048576.0, "F0")),
            ("server RSS steady max (VmRSS), MiB", r => F(r.RssSteadyMax / 1048576.0, "F0")),
            ("server RSS after fan-out, MiB", r => F(r.RssAfterFanOut / 1048576.0, "F0")),
            ("server peak RSS (VmHWM), MiB", r => F(r.RssPeak / 1048576.0, "F0")),
            ("PostgreSQL processes' PSS sum, MiB", r => r.PostgresRss is { } p ? F(p / 1048576.0, "F0") : "-"),
            ("heartbeat handling p50, ms", r => F(r.Heartbeats.P50, "F1")),
            ("heartbeat handling p99, ms", r => F(r.Heartbeats.P99, "F1")),
            ("heartbeat handling max, ms", r => F(r.Heartbeats.Max, "F1")),
            ("heartbeats measured (of sent in window)", r => $"{r.Heartbeats.Count} (~{r.HeartbeatsExpected})"),
            ("agent messages/s (server /metrics)", r => F(r.MessagesPerSecond, "F0")),
            ("GET /api/hosts median, ms", r => F(r.HostsPollMedianMs, "F0")),
            ("steady CPU: server, % of one core", r => F(r.ServerCpuPercent, "F1")),
            ("steady CPU: load generator, % of one core", r => F(r.BenchCpuPercent, "F1")),
            ("steady CPU: PostgreSQL, % of one core", r => r.PostgresCpuPercent is { } p ? F(p, "F1") : "-"),
            ($"fan-outs (one command to all, {options.Lines} lines each)", r => r.FanOuts.Count.ToString(CultureInfo.InvariantCulture)),
            ("fan-out: POST /api/commands answered, s (median)", r => F(r.Median(f => f.Post), "F2")),
            ("fan-out: every agent had the command, s (median)", r => F(r.Median(f => f.Received), "F2")),
            ("**fan-out: every line stored (last ack), s (median / best)**", r => $"**{F(r.Median(f => f.Stored), "F2")}** / {F(r.Best(f => f.Stored), "F2")}"),
            ("fan-out: API shows all finished (250 ms polls), s (median)", r => F(r.Median(f => f.ApiConfirmed), "F2")),
            ("fan-out CPU s: server / load generator / PostgreSQL (median)", r => $"{F(r.Median(f => f.ServerCpu), "F1")} / {F(r.Median(f => f.BenchCpu), "F1")} / {(r.Store == "postgres" ? F(r.Median(f => f.PostgresCpu), "F1") : "-")}"),
            ("machine load average at the fan-outs (median)", r => F(r.Median(f => f.Load), "F1")),
            ("commands succeeded", r => r.CommandsSucceeded.ToString(CultureInfo.InvariantCulture)),
            ("output lines stored / expected", r => $"{r.LinesStored} / {r.LinesExpected}"),
            ("target: every agent taken held with RSS <= 1 GiB", r => r.HeldByAgents == r.Admitted && r.RssPeak > 0 && r.RssPeak <= RssTarget ? "met" : "MISSED"),
            ($"target: fan-out stored <= {FanOutTarget} s", r => r.FanOuts.Count == options.FanOuts && r.CommandsSucceeded == r.Admitted * options.FanOuts && r.LinesStored == r.LinesExpected && r.Median(f => f.Stored) <= FanOutTarget ? "met (median)" : "MISSED"),
            ("target: past the agent limit, the server stays up and refuses the rest with 503", r => r.Refused == 0 ? "- (none refused)" : r.ServerUp && r.Admitted == r.AgentLimit && r.Refused == options.Agents - r.AgentLimit ? "met" : "MISSED"),
            ("errors", r => r.Errors.Count == 0 ? "none" : r.Errors.Count.ToString(CultureInfo.InvariantCulture)),
        };
        Console.WriteLine();
        Console.WriteLine($"| {options.Agents} agents | {string.Join(" | ", runs.Select(r => r.Store == "sqlite" ? "SQLite" : "PostgreSQL"))} |");
        Console.WriteLine($"| --- |{string.Concat(runs.Select(_ => " --- |"))}");
        foreach (var (label, value) in rows)
        {
            Console.WriteLine($"| {label} | {string.Join(" | ", runs.Select(value))} |");
        }

        Console.WriteLine();
        Console.WriteLine("The load generator shares the machine's cores with the server (and PostgreSQL): its CPU is listed; it is what 5,000 real agents would spend on their own hosts.");
        foreach (var run in runs)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"control-plane [{run.Store}]: ran with {options.Agents} agents: {run.Admitted} taken, {run.Refused} refused with 503 (server open-file limit {F(run.OpenFilesLimit, "F0")}, agent limit {run.AgentLimit}); server {(run.ServerUp ? "up" : "DOWN")} at the end; {(run.Errors.Count == 0 ? "no errors" : $"{run.Errors.Count} errors")}"));
        }
    }
}
