using System.Buffers;
using System.IO.Pipelines;
using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading.Channels;

namespace Flotilla.Dashboard.Internal;

/// <summary>
/// A response of Server-Sent Events: the events are <see cref="SseItem{T}"/>s formatted by .NET's
/// <see cref="SseFormatter"/>, their data JSON from a source-generated context (a string goes as it
/// is; no data, an empty <c>data:</c> line). Used by the dashboard's streams and the API's.
/// <para>
/// Written in bursts: <see cref="SseFormatter"/> flushes its destination after every event, which
/// on Kestrel is a socket write per event (a few hundred bytes), so this stream takes the
/// formatter's writes into the response's <see cref="PipeWriter"/> and ignores its flushes; the
/// producer of the events flushes once per burst (<see cref="FlushBurstAsync"/>, also done by
/// <see cref="WaitToReadAsync{T}"/> before it waits), and a write that leaves 64 KiB unflushed
/// flushes (which waits while the client is slower than the stream, as Kestrel's response buffer
/// is that size). <c>TypedResults.ServerSentEvents</c> is not used for the same reason, and because
/// it takes its JSON options from the container rather than the streams' own contexts.
/// </para>
/// <para>
/// <see cref="SseItem{T}"/> cannot write comments: keep-alives are <see cref="KeepAlive"/> events
/// with empty data, which no client listens to (browsers' <c>EventSource</c> dispatches them only
/// to <c>keep-alive</c> listeners, and dashboard.js and <c>flotilla remote</c> have none).
/// Not thread safe: one producer writes.
/// </para>
/// </summary>
internal sealed class EventStreamResponse : Stream
{
    /// <summary>The event type of keep-alives, which clients ignore.</summary>
    public const string KeepAlive = "keep-alive";

    /// <summary>How long a stream may be quiet before a keep-alive goes (proxies close idle connections).</summary>
    public static readonly TimeSpan KeepAliveInterval = TimeSpan.FromSeconds(15);

    private const int FlushBytes = 64 * 1024;

    private readonly PipeWriter _writer;
    private long _unflushed;

    private EventStreamResponse(PipeWriter writer)
    {
        _writer = writer;
    }

    /// <summary>A keep-alive event (no id: it leaves the client's last event id as it was).</summary>
    public static SseItem<object?> KeepAliveEvent { get; } = new(null, KeepAlive);

    /// <summary>Sends the headers of an event stream (so that the client sees it open at once) and returns the stream to write it with.</summary>
    public static async Task<EventStreamResponse> StartAsync(HttpContext context)
    {
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        // Tell nginx-style proxies not to buffer the stream.
        context.Response.Headers["X-Accel-Buffering"] = "no";
        await context.Response.StartAsync(context.RequestAborted).ConfigureAwait(false);
        return new EventStreamResponse(context.Response.BodyWriter);
    }

    /// <summary>Writes <paramref name="events"/> to their end, their data serialized by <paramref name="json"/>, then flushes.</summary>
    public async Task WriteAsync(IAsyncEnumerable<SseItem<object?>> events, JsonSerializerContext json, CancellationToken cancellationToken)
    {
        Utf8JsonWriter? writer = null;
        try
        {
            await SseFormatter.WriteAsync(events, this, (item, buffer) =>
            {
                switch (item.Data)
                {
                    case null:
                        break;
                    case string text:
                        Encoding.UTF8.GetBytes(text, buffer);
                        break;
                    case var data:
                        if (writer is null)
                        {
                            writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = json.Options.Encoder, SkipValidation = true });
                        }
                        else
                        {
                            writer.Reset(buffer);
                        }

                        JsonSerializer.Serialize(writer, data, json.GetTypeInfo(data.GetType()) ?? throw new InvalidOperationException($"{json.GetType().Name} cannot serialize {data.GetType().Name}"));
                        writer.Flush();
                        break;
                }
            }, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            writer?.Dispose();
        }

        await FlushBurstAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends what was written since the last flush (the end of a burst); waits while the client is too far behind.</summary>
    public async ValueTask FlushBurstAsync(CancellationToken cancellationToken)
    {
        if (_unflushed > 0)
        {
            _unflushed = 0;
            await _writer.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Flushes the burst written so far, then waits until <paramref name="reader"/> has items:
    /// <see langword="true"/> when it has, <see langword="false"/> when it completed, and
    /// <see langword="null"/> when <see cref="KeepAliveInterval"/> passed first (send
    /// <see cref="KeepAliveEvent"/> and wait again).
    /// </summary>
    public async Task<bool?> WaitToReadAsync<T>(ChannelReader<T> reader, CancellationToken cancellationToken)
    {
        await FlushBurstAsync(cancellationToken).ConfigureAwait(false);
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        wait.CancelAfter(KeepAliveInterval);
        try
        {
            return await reader.WaitToReadAsync(wait.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        _writer.Write(buffer.Span);
        _unflushed += buffer.Length;
        if (_unflushed >= FlushBytes)
        {
            await FlushBurstAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>Ignored: <see cref="SseFormatter"/> flushes after every event; bursts are flushed by <see cref="FlushBurstAsync"/>.</summary>
    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override void Flush()
    {
    }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    /// <summary>Not supported: a synchronous write would block a thread on the network.</summary>
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
