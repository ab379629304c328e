using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Flotilla.Contracts;

namespace Flotilla.Bench.ControlPlane;

/// <summary>
/// An API client that follows a batch's Server-Sent Events at a fixed byte rate (a person on a bad
/// link, or a script that reads slowly), through a socket with a small receive buffer. When the
/// stream ends without <c>end</c> (the server dropped it), it reconnects with <c>Last-Event-ID</c>.
/// It checks every line it gets: per command, numbered one more than the last, with the text the
/// flooding agent sent (or the server's truncation marker, once). <see cref="Fast"/> lifts the
/// rate (to read to the end once the flood is over).
/// </summary>
internal sealed class SlowStreamReader(Uri server, string apiToken, string batch, long bytesPerSecond, Flood flood)
{
    private readonly Dictionary<string, long> _last = new(StringComparer.Ordinal);
    private readonly HashSet<string> _truncated = new(StringComparer.Ordinal);
    private volatile bool _fast;
    private readonly TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the first stream answered (the server follows the batch for this reader from then on).</summary>
    public Task Connected => _connected.Task;

    public int Connections { get; private set; }

    /// <summary>Streams that ended without <c>end</c> (dropped by the server, or broken).</summary>
    public int Drops { get; private set; }

    public long Lines { get; private set; }

    public long Bytes { get; private set; }

    public bool Ended { get; private set; }

    /// <summary>Lines missing, repeated or with other text than was sent; the first few described.</summary>
    public long Wrong { get; private set; }

    public List<string> Problems { get; } = [];

    public void Fast() => _fast = true;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, token) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096, NoDelay = true };
                await socket.ConnectAsync(context.DnsEndPoint, token).ConfigureAwait(false);
                return new NetworkStream(socket, ownsSocket: true);
            },
        };
        using var http = new HttpClient(handler) { BaseAddress = server, Timeout = Timeout.InfiniteTimeSpan };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiToken);
        string? lastId = null;
        while (!Ended && !cancellationToken.IsCancellationRequested)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/commands/stream?batch={Uri.EscapeDataString(batch)}");
            if (lastId is not null)
            {
                request.Headers.Add("Last-Event-ID", lastId);
            }

            try
            {
                using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
                response.EnsureSuccessStatusCode();
                Connections++;
                _connected.TrySetResult();
                await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
                lastId = await ReadAsync(body, lastId, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or HttpRequestException && !cancellationToken.IsCancellationRequested)
            {
            }

            if (!Ended)
            {
                Drops++;
                await Task.Delay(1000, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Reads one stream to its end at the reader's rate; the last event id.</summary>
    private async Task<string?> ReadAsync(Stream body, string? lastId, CancellationToken cancellationToken)
    {
        var buffer = new byte[4096];
        var pending = new StringBuilder();
        var decoder = Encoding.UTF8.GetDecoder();
        var chars = new char[8192];
        var clock = Stopwatch.StartNew();
        long read = 0;
        string? name = null;
        while (true)
        {
            var count = await body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            if (count == 0)
            {
                return lastId;
            }

            Bytes += count;
            read += count;
            if (!_fast)
            {
                var due = TimeSpan.FromSeconds(read / (double)bytesPerSecond) - clock.Elapsed;
                if (due > TimeSpan.Zero)
                {
                    await Task.Delay(due, cancellationToken).ConfigureAwait(false);
                }
            }

            var decoded = decoder.GetChars(buffer, 0, count, chars, 0);
            pending.Append(chars, 0, decoded);
            var text = pending.ToString();
            var start = 0;
            int newline;
            while ((newline = text.IndexOf('\n', start)) >= 0)
            {
                var line = text[start..newline];
                start = newline + 1;
                if (line.StartsWith("id: ", StringComparison.Ordinal))
                {
                    lastId = line[4..];
                }
                else if (line.StartsWith("event: ", StringComparison.Ordinal))
                {
                    name = line[7..];
                }
                else if (line.StartsWith("data: ", StringComparison.Ordinal) && name == "output")
                {
                    Check(JsonSerializer.Deserialize(line[6..], ApiJsonContext.Default.OutputLineView)!);
                }
                else if (line.StartsWith("data: ", StringComparison.Ordinal) && name == "end")
                {
                    Ended = true;
                    return lastId;
                }
            }

            pending.Clear().Append(text, start, text.Length - start);
        }
    }

    private void Check(OutputLineView view)
    {
        Lines++;
        var last = _last.GetValueOrDefault(view.CommandId);
        var marker = view.Stream == "stderr" && view.Text.StartsWith("[flotilla] output truncated", StringComparison.Ordinal);
        if (view.Line != last + 1 || _truncated.Contains(view.CommandId) || (!marker && view.Text != flood.Text(view.Host, view.Line)))
        {
            Wrong++;
            if (Problems.Count < 5)
            {
                Problems.Add($"{view.Host} line {view.Line} after {last}{(_truncated.Contains(view.CommandId) ? " (after the truncation marker)" : "")}: \"{view.Text[..Math.Min(60, view.Text.Length)]}\"");
            }
        }

        if (marker)
        {
            _truncated.Add(view.CommandId);
        }

        _last[view.CommandId] = Math.Max(last, view.Line);
    }
}
