using System.Collections.Concurrent;

namespace Flotilla.Bench.ControlPlane;

/// <summary>
/// Many <see cref="SimulatedAgent"/>s in this process: connects them (a bounded number at once),
/// and counts what they see: failures (any is fatal to the benchmark), commands received and
/// commands whose completion the server acknowledged (stored). Thread safe.
/// </summary>
internal sealed class AgentSwarm : IAsyncDisposable
{
    private readonly ConcurrentQueue<string> _failures = new();
    private readonly SocketsHttpHandler _handler = new()
    {
        // One WebSocket per connection; nothing to pool.
        PooledConnectionLifetime = TimeSpan.Zero,
        ConnectTimeout = TimeSpan.FromSeconds(30),
    };
    private readonly HttpMessageInvoker _invoker;
    private readonly List<SimulatedAgent> _agents = [];
    private int _commandsReceived;
    private int _commandsStored;
    private int _expected;
    private long _lastStored;
    private long _lastReceived;
    private TaskCompletionSource _allStored = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentQueue<string> _refusals = new();
    private readonly CancellationTokenSource _stopRetrying = new();
    private readonly List<Task> _retries = [];
    private Uri? _ws;
    private int _refused;
    private int _retried;
    private int _lateAdmitted;

    public AgentSwarm(TimeSpan interval, int lines)
    {
        Interval = interval;
        Lines = lines;
        _invoker = new HttpMessageInvoker(_handler);
    }

    public TimeSpan Interval { get; }

    public int Lines { get; }

    public IReadOnlyList<SimulatedAgent> Agents => _agents;

    public int FailureCount => _failures.Count;

    public IEnumerable<string> Failures => _failures;

    public int OpenCount => _agents.Count(a => a.Open);

    /// <summary>Agents the server refused with 503 when they first connected (they retry as the server asks, as real agents do).</summary>
    public int RefusedCount => Volatile.Read(ref _refused);

    /// <summary>Refused agents' later attempts, and how many of those were taken.</summary>
    public (int Attempts, int Admitted) Retries => (Volatile.Read(ref _retried), Volatile.Read(ref _lateAdmitted));

    /// <summary>The reasons the server gave, one per refusal (the first 10,000).</summary>
    public IEnumerable<string> Refusals => _refusals;

    public IEnumerable<SimulatedAgent> AdmittedAgents => _agents.Where(a => a.Admitted);

    public int CommandsReceived => Volatile.Read(ref _commandsReceived);

    public int CommandsStored => Volatile.Read(ref _commandsStored);

    /// <summary>Connects an agent per (name, token), at most <paramref name="parallel"/> handshakes at once; failures are counted, not thrown.</summary>
    public async Task ConnectAsync(Uri server, IReadOnlyList<(string Name, string Token)> hosts, int parallel, CancellationToken cancellationToken)
    {
        var ws = new UriBuilder(server) { Scheme = "ws", Path = "/ws" }.Uri;
        _ws = ws;
        var agents = hosts.Select(h => new SimulatedAgent(this, h.Name, h.Token)).ToList();
        _agents.AddRange(agents);
        await Parallel.ForEachAsync(agents, new ParallelOptions { MaxDegreeOfParallelism = parallel, CancellationToken = cancellationToken }, async (agent, token) =>
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(token);
            timeout.CancelAfter(TimeSpan.FromSeconds(60));
            try
            {
                await agent.ConnectAsync(ws, _invoker, timeout.Token).ConfigureAwait(false);
            }
            catch (AgentRefusedException refused)
            {
                Interlocked.Increment(ref _refused);
                if (_refusals.Count < 10_000)
                {
                    _refusals.Enqueue(refused.Reason);
                }

                lock (_retries)
                {
                    _retries.Add(RetryAsync(agent, refused.RetryAfter));
                }
            }
            catch (Exception e) when (e is System.Net.WebSockets.WebSocketException or OperationCanceledException or InvalidOperationException or HttpRequestException && !cancellationToken.IsCancellationRequested)
            {
                Failed(agent, "connect: " + e.Message);
            }
        }).ConfigureAwait(false);
    }

    /// <summary>As the real agent: waits what the server asked for and as much again at random, then tries again.</summary>
    private async Task RetryAsync(SimulatedAgent agent, TimeSpan after)
    {
        try
        {
            while (true)
            {
                await Task.Delay(after + TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * after.TotalMilliseconds), _stopRetrying.Token).ConfigureAwait(false);
                Interlocked.Increment(ref _retried);
                try
                {
                    await agent.ConnectAsync(_ws!, _invoker, _stopRetrying.Token).ConfigureAwait(false);
                    Interlocked.Increment(ref _lateAdmitted);
                    return;
                }
                catch (AgentRefusedException refused)
                {
                    after = refused.RetryAfter;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or System.Net.WebSockets.WebSocketException or HttpRequestException or InvalidOperationException)
        {
            if (!_stopRetrying.IsCancellationRequested)
            {
                Failed(agent, "retry: " + e.Message);
            }
        }
    }

    /// <summary>Starts counting a fan-out of <paramref name="expected"/> commands.</summary>
    public Task ExpectCommands(int expected)
    {
        Volatile.Write(ref _commandsReceived, 0);
        Volatile.Write(ref _commandsStored, 0);
        Volatile.Write(ref _expected, expected);
        _allStored = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return _allStored.Task;
    }

    /// <summary>The Stopwatch timestamp of the last acknowledged completion.</summary>
    public long LastStoredTimestamp => Interlocked.Read(ref _lastStored);

    /// <summary>The Stopwatch timestamp of the last <c>run</c> an agent received.</summary>
    public long LastReceivedTimestamp => Interlocked.Read(ref _lastReceived);

    public void CommandReceived(long timestamp)
    {
        Max(ref _lastReceived, timestamp);
        Interlocked.Increment(ref _commandsReceived);
    }

    private static void Max(ref long location, long value)
    {
        long current;
        do
        {
            current = Interlocked.Read(ref location);
        }
        while (value > current && Interlocked.CompareExchange(ref location, value, current) != current);
    }

    public void CommandStored(string commandId, long timestamp)
    {
        _ = commandId;
        Max(ref _lastStored, timestamp);
        if (Interlocked.Increment(ref _commandsStored) == Volatile.Read(ref _expected))
        {
            _allStored.TrySetResult();
        }
    }

    public void Failed(SimulatedAgent agent, string reason)
    {
        if (_failures.Count < 10_000)
        {
            _failures.Enqueue($"{agent.Name}: {reason}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopRetrying.CancelAsync().ConfigureAwait(false);
        Task[] retries;
        lock (_retries)
        {
            retries = [.. _retries];
        }

        await Task.WhenAll(retries).ConfigureAwait(false);
        _stopRetrying.Dispose();
        // Abort, not close: 5,000 close handshakes would measure nothing.
        await Parallel.ForEachAsync(_agents, async (agent, _) => await agent.DisposeAsync().ConfigureAwait(false)).ConfigureAwait(false);
        _agents.Clear();
        _invoker.Dispose();
    }
}
