using System.Buffers;
using System.Net.WebSockets;
using System.Text.Json;
using System.Threading.Channels;
using Flotilla.ControlPlane.Events;
using Flotilla.ControlPlane.Store;
using Flotilla.Contracts;
using Microsoft.Extensions.Logging;

namespace Flotilla.ControlPlane.Internal;

/// <summary>
/// One agent's WebSocket: reads its messages (bounded in size, parsed strictly; anything else
/// closes this connection with a reason), hands durable ones to the <see cref="StoreWriter"/>,
/// and sends through one queue (a WebSocket allows one sender at a time). It reads no further
/// while its messages not yet stored pass its receive window (or the writer's whole queue is
/// full and it has some of its own there), and no faster than its byte rate: the agent's sends
/// then wait in TCP, and the agent stops reading its command's output.
/// </summary>
internal sealed partial class AgentSession
{
    private const int SmallBuffer = 4096;
    private readonly WebSocket _socket;
    private readonly string? _host;
    private readonly AgentHub _hub;
    private readonly Channel<ServerMessage> _outbox = Channel.CreateUnbounded<ServerMessage>(new UnboundedChannelOptions { SingleReader = true });
    /// <summary>Cancels the receive, which aborts the socket: only when the agent does not answer a close frame in time.</summary>
    private readonly CancellationTokenSource _hardStop = new();
    private int _closing;
    private string? _closeReason;
    private (WebSocketCloseStatus Status, string Reason)? _pendingClose;
    /// <summary>Ends a wait for the store or the rate when the connection is closed by the server.</summary>
    private readonly CancellationTokenSource _stopHolding = new();
    private readonly Lock _flow = new();
    private TaskCompletionSource? _roomWaiter;
    private long _unstored;
    private double _tokens;
    private long _refilledAt;
    private long _lastMessageTicks;
    private volatile bool _heldBack;

    /// <summary>How long the agent has to answer the server's close frame before the connection is dropped.</summary>
    private static readonly TimeSpan CloseHandshakeTimeout = TimeSpan.FromSeconds(5);

    /// <param name="host">The host its token names; null when it enrolled with the shared token (then the hostname it reports).</param>
    public AgentSession(WebSocket socket, string? host, string? tokenHash, AgentHub hub)
    {
        _socket = socket;
        _host = host;
        TokenHash = tokenHash;
        _hub = hub;
    }

    public string Host { get; private set; } = "";

    /// <summary>The hash of the host token this connection stands for (for revocation); set at enrolment to the token made then.</summary>
    public string? TokenHash { get; private set; }

    /// <summary>The connection enrolled with the shared token and the host was given a token of its own.</summary>
    public void Enrolled(string tokenHash) => TokenHash = tokenHash;

    /// <summary>The server is not reading this connection now (its store or its rate holds it back): silence from the agent is the server's doing.</summary>
    public bool HeldBack => _heldBack;

    /// <summary>When the last message arrived (the hub's clock).</summary>
    public DateTimeOffset LastMessageAt => new(Interlocked.Read(ref _lastMessageTicks), TimeSpan.Zero);

    /// <summary>A message of <paramref name="bytes"/> from this connection waits to be stored.</summary>
    public void Charge(int bytes) => Interlocked.Add(ref _unstored, bytes);

    /// <summary>The writer stored (or gave up on) <paramref name="bytes"/> of this connection's messages.</summary>
    public void Stored(int bytes)
    {
        Interlocked.Add(ref _unstored, -bytes);
        TaskCompletionSource? waiter;
        lock (_flow)
        {
            waiter = _roomWaiter;
            _roomWaiter = null;
        }

        waiter?.TrySetResult();
    }

    public void Send(ServerMessage message) => _outbox.Writer.TryWrite(message);

    /// <summary>
    /// Ends the connection with a close frame whose reason the agent sees (revocation, missed
    /// heartbeats, no register message in time, a newer connection, the server stopping): nothing
    /// more is sent or handled, the close frame goes out, and the connection is dropped if the
    /// agent does not answer it within a few seconds. Cancelling the receive instead would reset it.
    /// </summary>
    public void Abort(string reason, WebSocketCloseStatus status = WebSocketCloseStatus.PolicyViolation)
    {
        if (Interlocked.Exchange(ref _closing, 1) == 1)
        {
            return;
        }

        _closeReason = reason;
        Close(status, reason);
        // The send loop stops at the pending close and sends the close frame.
        _outbox.Writer.TryComplete();
        try
        {
            _stopHolding.Cancel();
            _hardStop.CancelAfter(CloseHandshakeTimeout);
        }
        catch (ObjectDisposedException)
        {
            // The connection has ended already.
        }
    }

    private bool Closing => Volatile.Read(ref _closing) == 1;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _hardStop.Token);
        using var stopping = cancellationToken.Register(() => Abort("the server is stopping", WebSocketCloseStatus.EndpointUnavailable));
        using var stopSending = new CancellationTokenSource();
        var sender = SendLoopAsync(stopSending.Token);
        // Small per connection (thousands are open); a larger message borrows a bigger buffer.
        var buffer = new byte[SmallBuffer];
        HostPresence? presence = null;
        _tokens = _hub.Options.AgentBurstBytes;
        _refilledAt = _hub.Options.TimeProvider.GetTimestamp();
        using var holding = CancellationTokenSource.CreateLinkedTokenSource(_hardStop.Token, _stopHolding.Token);
        try
        {
            var registerTimeout = _hub.Options.RegisterTimeout;
            using (var timer = _hub.Options.TimeProvider.CreateTimer(_ => Abort($"no register message within {registerTimeout.TotalSeconds:0.###} s"), null, registerTimeout, Timeout.InfiniteTimeSpan))
            {
                var (first, _) = await ReceiveAsync(buffer, _hardStop.Token).ConfigureAwait(false);
                await timer.DisposeAsync().ConfigureAwait(false);
                if (Closing)
                {
                    return;
                }

                if (first is not RegisterMessage register)
                {
                    Close(WebSocketCloseStatus.PolicyViolation, first is null ? _closeReason ?? "no register message" : "the first message must be register");
                    return;
                }

                if (register.Protocol != ProtocolVersion.Current)
                {
                    Close(WebSocketCloseStatus.PolicyViolation, $"protocol {register.Protocol} is not supported; this server speaks {ProtocolVersion.Current}");
                    return;
                }

                if (Limits.HeartbeatIntervalSeconds.Check(register.HeartbeatIntervalSeconds) is { } badInterval)
                {
                    Close(WebSocketCloseStatus.PolicyViolation, badInterval);
                    return;
                }

                var name = _host ?? register.Facts.Hostname;
                if (!HostNames.IsValid(name))
                {
                    Close(WebSocketCloseStatus.PolicyViolation, "the hostname is not a valid host name (" + HostNames.Rule + ")");
                    return;
                }

                Host = name;
                presence = await _hub.RegisterAsync(this, register, _host is null, linked.Token).ConfigureAwait(false);
                if (presence is null)
                {
                    Close(WebSocketCloseStatus.PolicyViolation, $"host {name} exists: the shared enrolment token only enrols new hosts; use the host's own token");
                    return;
                }
            }

            while (true)
            {
                var (message, bytes) = await ReceiveAsync(buffer, _hardStop.Token).ConfigureAwait(false);
                if (message is null)
                {
                    break;
                }

                if (Closing)
                {
                    // Closed by the server (revoked, replaced...): what the agent sends before it
                    // sees the close frame is not handled (reliable messages come again elsewhere).
                    continue;
                }

                if (message is RegisterMessage)
                {
                    Close(WebSocketCloseStatus.PolicyViolation, "register may be sent only once");
                    break;
                }

                if (OutOfRange(message) is { } outOfRange)
                {
                    Close(WebSocketCloseStatus.PolicyViolation, outOfRange);
                    break;
                }

                _hub.Handle(this, presence, message, bytes);
                if (message is not HeartbeatMessage)
                {
                    try
                    {
                        await ThrottleAsync(bytes, holding.Token).ConfigureAwait(false);
                        await WaitForStoreAsync(holding.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (Closing)
                    {
                        // Closed by the server while held back: read on until the agent answers the close frame.
                    }
                }
            }
        }
        catch (OperationCanceledException) when (_hardStop.IsCancellationRequested || cancellationToken.IsCancellationRequested)
        {
            // The agent did not answer the close frame in time (the socket is aborted), or the
            // server is stopping while registering.
        }
        catch (WebSocketException)
        {
            // The agent went away; nothing to say to it.
        }
        finally
        {
            if (presence is not null)
            {
                _hub.Disconnected(this, presence);
            }

            // Let queued messages (acks) go out, then say why the connection ends.
            _outbox.Writer.TryComplete();
            stopSending.CancelAfter(TimeSpan.FromSeconds(5));
            try
            {
                await sender.ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or WebSocketException or ObjectDisposedException)
            {
            }

            if (_pendingClose is { } close)
            {
                await CloseQuietlyAsync(close.Status, close.Reason).ConfigureAwait(false);
            }

            _hardStop.Dispose();
            _stopHolding.Dispose();
        }
    }

    /// <summary>What is wrong with a message's numbers, or null: sequence and line numbers count from 1.</summary>
    private static string? OutOfRange(AgentMessage message) => message switch
    {
        ReliableAgentMessage { Seq: < 1 } reliable => $"seq must be 1 or more, not {reliable.Seq}",
        OutputMessage { Line: < 1 } output => $"line must be 1 or more, not {output.Line}",
        _ => null,
    };

    /// <summary>Waits while this connection's messages not yet stored pass its window, or the writer's queue is full and some of them are in it.</summary>
    private async ValueTask WaitForStoreAsync(CancellationToken cancellationToken)
    {
        var window = _hub.Options.AgentReceiveWindowBytes;
        var queue = _hub.Options.StoreQueueBytes;
        bool Full()
        {
            var unstored = Interlocked.Read(ref _unstored);
            return unstored > window || (unstored > 0 && _hub.Writer.QueuedBytes > queue);
        }

        if (!Full())
        {
            return;
        }

        _heldBack = true;
        _hub.Metrics.Paused(ControlPlaneMetrics.PauseReason.Store, +1);
        try
        {
            while (true)
            {
                Task room;
                lock (_flow)
                {
                    if (!Full())
                    {
                        return;
                    }

                    room = (_roomWaiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
                }

                await room.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _heldBack = false;
            _hub.Metrics.Paused(ControlPlaneMetrics.PauseReason.Store, -1);
        }
    }

    /// <summary>A token bucket of <see cref="ControlPlaneOptions.AgentBytesPerSecond"/>: past it, waits until the bucket is no longer in debt.</summary>
    private async ValueTask ThrottleAsync(int bytes, CancellationToken cancellationToken)
    {
        var rate = _hub.Options.AgentBytesPerSecond;
        if (rate <= 0)
        {
            return;
        }

        var time = _hub.Options.TimeProvider;
        Refill();
        _tokens -= bytes;
        if (_tokens >= 0)
        {
            return;
        }

        _heldBack = true;
        _hub.Metrics.Paused(ControlPlaneMetrics.PauseReason.Rate, +1);
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(-_tokens / rate), time, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _heldBack = false;
            _hub.Metrics.Paused(ControlPlaneMetrics.PauseReason.Rate, -1);
        }

        Refill();

        void Refill()
        {
            var now = time.GetTimestamp();
            _tokens = Math.Min(_hub.Options.AgentBurstBytes, _tokens + (time.GetElapsedTime(_refilledAt, now).TotalSeconds * rate));
            _refilledAt = now;
        }
    }

    /// <summary>The next message and its size, or null when the connection ended (closed by either side, or closed here for a bad frame).</summary>
    private async Task<(AgentMessage? Message, int Bytes)> ReceiveAsync(byte[] small, CancellationToken cancellationToken)
    {
        var max = _hub.Options.MaxMessageBytes;
        var buffer = small;
        var count = 0;
        try
        {
            while (true)
            {
                if (count == buffer.Length)
                {
                    // Grow (up to one byte past the limit, to see that it was passed).
                    var larger = ArrayPool<byte>.Shared.Rent(Math.Min(Math.Max(buffer.Length * 4, SmallBuffer * 4), max + 1));
                    buffer.AsSpan(0, count).CopyTo(larger);
                    if (buffer != small)
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                    }

                    buffer = larger;
                }

                var result = await _socket.ReceiveAsync(buffer.AsMemory(count, Math.Min(buffer.Length, max + 1) - count), cancellationToken).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    Close(WebSocketCloseStatus.NormalClosure, "bye");
                    return (null, 0);
                }

                if (result.MessageType != WebSocketMessageType.Text)
                {
                    Close(WebSocketCloseStatus.InvalidMessageType, "messages must be JSON text frames");
                    return (null, 0);
                }

                count += result.Count;
                if (count > max)
                {
                    Close(WebSocketCloseStatus.MessageTooBig, $"a message may have at most {max} bytes");
                    return (null, 0);
                }

                if (result.EndOfMessage)
                {
                    break;
                }
            }

            _hub.Metrics.MessageReceived();
            Interlocked.Exchange(ref _lastMessageTicks, _hub.Options.TimeProvider.GetUtcNow().UtcTicks);
            try
            {
                return (ProtocolSerializer.DeserializeAgentMessage(buffer.AsSpan(0, count)), count);
            }
            catch (Exception e) when (e is JsonException or NotSupportedException or ArgumentException or InvalidOperationException or FormatException)
            {
                Close(WebSocketCloseStatus.InvalidPayloadData, "malformed message: " + e.Message);
                return (null, 0);
            }
        }
        finally
        {
            if (buffer != small)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    private void Close(WebSocketCloseStatus status, string reason)
    {
        if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            if (status != WebSocketCloseStatus.NormalClosure)
            {
                LogClosed(_hub.Logger, Host.Length == 0 ? "(unregistered)" : Host, reason);
            }

            // A close frame's reason is at most 123 UTF-8 bytes.
            _pendingClose ??= (status, reason.Length > 120 ? reason[..120] : reason);
        }
    }

    private async Task CloseQuietlyAsync(WebSocketCloseStatus status, string reason)
    {
        try
        {
            if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await _socket.CloseOutputAsync(status, reason, timeout.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
        }
    }

    /// <summary>The one sender: queued messages in order until a close is pending, then the close frame.</summary>
    private async Task SendLoopAsync(CancellationToken cancellationToken)
    {
        await foreach (var message in _outbox.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            if (_socket.State != WebSocketState.Open || _pendingClose is not null)
            {
                break;
            }

            await _socket.SendAsync(ProtocolSerializer.Serialize(message), WebSocketMessageType.Text, endOfMessage: true, cancellationToken).ConfigureAwait(false);
        }

        if (_pendingClose is { } close)
        {
            await CloseQuietlyAsync(close.Status, close.Reason).ConfigureAwait(false);
        }
    }

    [LoggerMessage(EventId = 200, Level = LogLevel.Warning, Message = "Closed the connection of agent {Host}: {Reason}")]
    private static partial void LogClosed(ILogger logger, string host, string reason);
}
