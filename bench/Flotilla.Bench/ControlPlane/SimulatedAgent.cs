using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Net.WebSockets;
using Flotilla.Contracts;

namespace Flotilla.Bench.ControlPlane;

/// <summary>
/// One simulated agent: a <see cref="ClientWebSocket"/> to <c>/ws</c> with its own host token,
/// speaking the real protocol (<see cref="ProtocolSerializer"/>): register, a heartbeat every
/// interval (the first after a random phase, then on a periodic timer as the real agent does),
/// and for every <c>run</c>: <c>started</c>, N output lines, <c>completed</c> (exit 0), each
/// reliable message numbered and kept until acknowledged, as the real agent does. It runs no
/// process. Its heartbeat metrics carry the heartbeat's number in <c>diskUsedBytes</c> so the
/// benchmark can tell which heartbeat the server's <c>lastSeen</c> belongs to.
/// </summary>
internal sealed class SimulatedAgent : IAsyncDisposable
{
    private const int SentRing = 64;
    private readonly AgentSwarm _swarm;
    private readonly string _token;
    private ClientWebSocket _socket = new();
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _registered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly long[] _sentAt = new long[SentRing];
    private readonly object _gate = new();
    private readonly Dictionary<string, long> _awaitingAck = new(StringComparer.Ordinal);
    private long _seq;
    private long _heartbeats;
    private long _acked;
    private Task _receive = Task.CompletedTask;
    private Task _heartbeat = Task.CompletedTask;
    private volatile bool _closing;

    public SimulatedAgent(AgentSwarm swarm, string name, string token)
    {
        _swarm = swarm;
        Name = name;
        _token = token;
    }

    /// <summary>When set, every command this agent runs prints lines as fast as the connection takes them until this flood stops.</summary>
    public Flood? Flooding { get; set; }

    /// <summary>Whether the server took this agent (false: refused with 503, or not connected yet).</summary>
    public bool Admitted { get; private set; }

    public string Name { get; }

    public bool Open => _socket.State == WebSocketState.Open;

    /// <summary>The last heartbeat number whose latency the benchmark has taken (sampled once each).</summary>
    public long LastSampled { get; set; }

    /// <summary>Connects, registers and waits for the server's <c>registered</c>; then heartbeats in the background.</summary>
    /// <exception cref="AgentRefusedException">The server answered 503 (its agent limit): the reason and when to try again.</exception>
    public async Task ConnectAsync(Uri ws, HttpMessageInvoker invoker, CancellationToken cancellationToken)
    {
        _socket.Dispose();
        _socket = new ClientWebSocket();
        _socket.Options.SetRequestHeader("Authorization", "Bearer " + _token);
        _socket.Options.SetBuffer(4096, 4096);
        _socket.Options.CollectHttpResponseDetails = true;
        try
        {
            await _socket.ConnectAsync(ws, invoker, cancellationToken).ConfigureAwait(false);
        }
        catch (WebSocketException) when (_socket.HttpStatusCode == System.Net.HttpStatusCode.ServiceUnavailable)
        {
            var headers = _socket.HttpResponseHeaders;
            var reason = headers?.TryGetValue("X-Flotilla-Refused", out var refused) == true ? string.Join(' ', refused) : "(no reason given)";
            var after = headers?.TryGetValue("Retry-After", out var retry) == true && int.TryParse(retry.FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) ? seconds : 30;
            throw new AgentRefusedException(reason, TimeSpan.FromSeconds(after));
        }

        Admitted = true;
        _receive = Task.Run(ReceiveLoopAsync, CancellationToken.None);
        var facts = new HostFacts(
            Name,
            "x86_64-linux",
            "flotilla-bench-agent 0.1.0",
            OsVersion: "25.05.20250601.abcdef0 (Warbler)",
            NixpkgsVersion: "25.05.20250601.abcdef0",
            CurrentSystem: $"/nix/store/0123456789abcdfghijklmnpqrsvwxyz-nixos-system-{Name}-25.05",
            BootedSystem: $"/nix/store/0123456789abcdfghijklmnpqrsvwxyz-nixos-system-{Name}-25.05",
            Generation: 42,
            Repo: "github:example/fleet",
            FlakeRevision: "3f2c1b0a9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a");
        await SendAsync(new RegisterMessage(ProtocolVersion.Current, facts, _swarm.Interval.TotalSeconds, []), cancellationToken).ConfigureAwait(false);
        await _registered.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        _heartbeat = Task.Run(HeartbeatLoopAsync, CancellationToken.None);
    }

    /// <summary>When heartbeat <paramref name="number"/> was sent (UTC ticks), if it is recent enough to be remembered.</summary>
    public long? SentAt(long number)
    {
        lock (_gate)
        {
            return number >= 1 && number <= _heartbeats && _heartbeats - number < SentRing ? _sentAt[number % SentRing] : null;
        }
    }

    private async Task HeartbeatLoopAsync()
    {
        try
        {
            var phase = TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * _swarm.Interval.TotalMilliseconds);
            await Task.Delay(phase, _stop.Token).ConfigureAwait(false);
            using var timer = new PeriodicTimer(_swarm.Interval);
            do
            {
                long number;
                lock (_gate)
                {
                    number = ++_heartbeats;
                    _sentAt[number % SentRing] = TimeProvider.System.GetUtcNow().UtcTicks;
                }

                var metrics = new HostMetrics(
                    CpuPercent: 3.5,
                    MemoryTotalBytes: 8L << 30,
                    MemoryUsedBytes: 3L << 30,
                    SwapTotalBytes: 2L << 30,
                    SwapUsedBytes: 0,
                    Load1: 0.12,
                    Load5: 0.08,
                    Load15: 0.05,
                    DiskTotalBytes: 100L << 30,
                    DiskUsedBytes: number);
                await SendAsync(new HeartbeatMessage(metrics), _stop.Token).ConfigureAwait(false);
            }
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false));
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
            if (!_closing)
            {
                _swarm.Failed(this, "heartbeat: " + e.Message);
            }
        }
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            while (true)
            {
                var count = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    if (count == buffer.Length)
                    {
                        throw new InvalidOperationException("a server message is larger than 64 KiB");
                    }

                    result = await _socket.ReceiveAsync(buffer.AsMemory(count), _stop.Token).ConfigureAwait(false);
                    count += result.Count;
                }
                while (!result.EndOfMessage);

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    if (!_closing)
                    {
                        _swarm.Failed(this, $"the server closed the connection: {_socket.CloseStatus} {_socket.CloseStatusDescription}");
                        _registered.TrySetException(new InvalidOperationException($"closed by the server: {_socket.CloseStatusDescription}"));
                    }

                    return;
                }

                Handle(ProtocolSerializer.DeserializeServerMessage(buffer.AsSpan(0, count)));
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or ObjectDisposedException or InvalidOperationException or System.Text.Json.JsonException or NotSupportedException)
        {
            if (!_closing)
            {
                _swarm.Failed(this, "receive: " + e.Message);
                _registered.TrySetException(e);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void Handle(ServerMessage message)
    {
        switch (message)
        {
            case RegisteredMessage registered when registered.Host == Name:
                _registered.TrySetResult();
                break;
            case RegisteredMessage registered:
                _swarm.Failed(this, $"registered as {registered.Host}, not {Name}");
                _registered.TrySetException(new InvalidOperationException("registered under another name"));
                break;
            case RunCommandMessage run:
                _swarm.CommandReceived(Stopwatch.GetTimestamp());
                _ = Task.Run(() => RunAsync(run), CancellationToken.None);
                break;
            case AckMessage ack:
                List<string>? stored = null;
                lock (_gate)
                {
                    _acked = Math.Max(_acked, ack.Seq);
                    foreach (var (id, seq) in _awaitingAck)
                    {
                        if (seq <= _acked)
                        {
                            (stored ??= []).Add(id);
                        }
                    }

                    foreach (var id in stored ?? [])
                    {
                        _awaitingAck.Remove(id);
                    }
                }

                foreach (var id in stored ?? [])
                {
                    _swarm.CommandStored(id, Stopwatch.GetTimestamp());
                }

                break;
            default:
                break;
        }
    }

    /// <summary>What a real agent sends for a command that prints <c>lines</c> lines (or floods, <see cref="Flooding"/>) and exits 0.</summary>
    private async Task RunAsync(RunCommandMessage run)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await SendAsync(new CommandStartedMessage(run.CommandId) { Seq = NextSeq() }, _stop.Token).ConfigureAwait(false);
            if (Flooding is { } flood)
            {
                await flood.Go.WaitAsync(_stop.Token).ConfigureAwait(false);
                long line = 0;
                while (!flood.Stop.IsCancellationRequested)
                {
                    line++;
                    var text = flood.Text(Name, line);
                    await SendAsync(new OutputMessage(run.CommandId, line, OutputStream.Stdout, text) { Seq = NextSeq() }, _stop.Token).ConfigureAwait(false);
                    flood.Sent(text.Length);
                }

                flood.Finished(Name, run.CommandId, line);
            }

            for (var line = 1; Flooding is null && line <= _swarm.Lines; line++)
            {
                await SendAsync(new OutputMessage(run.CommandId, line, OutputStream.Stdout, ExpectedLine(Name, line)) { Seq = NextSeq() }, _stop.Token).ConfigureAwait(false);
            }

            var completed = new CommandCompletedMessage(run.CommandId, CommandOutcome.Exited, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds, ExitCode: 0) { Seq = NextSeq() };
            lock (_gate)
            {
                _awaitingAck[run.CommandId] = completed.Seq;
            }

            await SendAsync(completed, _stop.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
            if (!_closing)
            {
                _swarm.Failed(this, "command: " + e.Message);
            }
        }
    }

    /// <summary>The text of output line <paramref name="line"/> the agent of <paramref name="host"/> sends.</summary>
    public static string ExpectedLine(string host, long line) =>
        string.Create(CultureInfo.InvariantCulture, $"{host}: simulated output line {line}");

    private long NextSeq() => Interlocked.Increment(ref _seq);

    private async Task SendAsync(AgentMessage message, CancellationToken cancellationToken)
    {
        var bytes = ProtocolSerializer.Serialize(message);
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _socket.SendAsync(bytes, WebSocketMessageType.Text, endOfMessage: true, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _closing = true;
        await _stop.CancelAsync().ConfigureAwait(false);
        _socket.Abort();
        await Task.WhenAll(_receive, _heartbeat).ConfigureAwait(false);
        _socket.Dispose();
        _sendLock.Dispose();
        _stop.Dispose();
    }
}

/// <summary>The server refused the agent with 503: its reason and how long it asked the agent to wait.</summary>
internal sealed class AgentRefusedException(string reason, TimeSpan retryAfter) : Exception($"refused (503): {reason}")
{
    public string Reason { get; } = reason;

    public TimeSpan RetryAfter { get; } = retryAfter;
}

/// <summary>
/// Agents that print as fast as their connection takes lines, until <see cref="Stop"/>; each
/// line's text is a function of the host and the line number, so every stored line can be
/// checked. Counts what was sent. Thread safe.
/// </summary>
internal sealed class Flood(int lineBytes, CancellationToken stop)
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (string CommandId, long Lines)> _finished = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _go = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _lines;
    private long _bytes;

    public CancellationToken Stop { get; } = stop;

    /// <summary>Completes when the flood may begin (the agents have started their commands and wait for it).</summary>
    public Task Go => _go.Task;

    public void Start() => _go.TrySetResult();

    public long Lines => Interlocked.Read(ref _lines);

    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>Per host: the command it flooded and how many lines it sent.</summary>
    public IReadOnlyDictionary<string, (string CommandId, long Lines)> Commands => _finished;

    /// <summary>Line <paramref name="line"/> of <paramref name="host"/>: its name and number, padded to the flood's line size.</summary>
    public string Text(string host, long line)
    {
        var head = string.Create(CultureInfo.InvariantCulture, $"{host} flood line {line} ");
        return head.Length >= lineBytes ? head : head + new string((char)('a' + (line % 26)), lineBytes - head.Length);
    }

    public void Sent(int bytes)
    {
        Interlocked.Increment(ref _lines);
        Interlocked.Add(ref _bytes, bytes);
    }

    public void Finished(string host, string commandId, long lines) => _finished[host] = (commandId, lines);
}
