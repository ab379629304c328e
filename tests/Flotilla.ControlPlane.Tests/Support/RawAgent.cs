using System.Collections.Concurrent;
using System.Net.WebSockets;
using Flotilla.Contracts;

namespace Flotilla.Tests.Support;

/// <summary>
/// An agent spoken by the test itself over a real WebSocket: registers, then sends what the test
/// tells it to and records what the server sends back (runs and acknowledgements).
/// </summary>
public sealed class RawAgent : IAsyncDisposable
{
    private readonly ClientWebSocket _socket = new();
    private readonly SemaphoreSlim _send = new(1, 1);
    private readonly ConcurrentQueue<RunCommandMessage> _runs = new();
    private readonly CancellationTokenSource _stop = new();
    private Task _receive = Task.CompletedTask;
    private long _acked;
    private long _seq;

    public long Acked => Interlocked.Read(ref _acked);

    public IReadOnlyCollection<RunCommandMessage> Runs => _runs;

    public static async Task<RawAgent> ConnectAsync(string url, string token, string hostname, double heartbeatIntervalSeconds = 3600, IReadOnlyList<string>? tags = null)
    {
        var agent = new RawAgent();
        agent._socket.Options.SetRequestHeader("Authorization", "Bearer " + token);
        await agent._socket.ConnectAsync(new Uri(url), CancellationToken.None);
        agent._receive = Task.Run(agent.ReceiveLoopAsync);
        await agent.SendAsync(new RegisterMessage(ProtocolVersion.Current, new HostFacts(hostname, "linux", "test", Tags: tags), heartbeatIntervalSeconds, []));
        return agent;
    }

    public long NextSeq() => Interlocked.Increment(ref _seq);

    public async Task<int> SendAsync(AgentMessage message)
    {
        var bytes = ProtocolSerializer.Serialize(message);
        await _send.WaitAsync(_stop.Token);
        try
        {
            await _socket.SendAsync(bytes, WebSocketMessageType.Text, true, _stop.Token);
        }
        finally
        {
            _send.Release();
        }

        return bytes.Length;
    }

    public async Task<RunCommandMessage> NextRunAsync()
    {
        RunCommandMessage? run = null;
        await Eventually.WaitAsync(() => Task.FromResult(_runs.TryDequeue(out run)), () => "the server sent no run message");
        return run!;
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[1 << 16];
        try
        {
            while (true)
            {
                var count = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    result = await _socket.ReceiveAsync(buffer.AsMemory(count), _stop.Token);
                    count += result.Count;
                }
                while (!result.EndOfMessage);

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                switch (ProtocolSerializer.DeserializeServerMessage(buffer.AsSpan(0, count)))
                {
                    case AckMessage ack:
                        Interlocked.Exchange(ref _acked, Math.Max(ack.Seq, Interlocked.Read(ref _acked)));
                        break;
                    case RunCommandMessage run:
                        _runs.Enqueue(run);
                        break;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
            // Disposing aborts the socket: a receive begun after the abort finds it disposed.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _socket.Abort();
        await _receive;
        _socket.Dispose();
        _send.Dispose();
        _stop.Dispose();
    }
}
