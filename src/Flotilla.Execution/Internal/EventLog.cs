using System.Text;

namespace Flotilla.Execution.Internal;

/// <summary>
/// <c>events.jsonl</c>: one event per line, appended and fsync'd one by one, so a SIGKILL (or a
/// power cut) loses at most the line being written. Reading skips lines that do not parse (the
/// torn last line of a killed run); appending to such a file first cuts the torn line off.
/// Appends are serialized by the caller.
/// </summary>
internal sealed class EventLog(string path) : IDisposable
{
    private FileStream? _stream;

    public static async Task<List<RunEvent>> ReadAsync(string path, CancellationToken cancellationToken)
    {
        var events = new List<RunEvent>();
        if (!File.Exists(path))
        {
            return events;
        }

        var text = await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false);
        var complete = text.LastIndexOf('\n') + 1;
        foreach (var line in text[..complete].Split('\n'))
        {
            if (line.Length > 0 && RunEvent.TryParse(line, out var runEvent))
            {
                events.Add(runEvent);
            }
        }

        return events;
    }

    /// <summary>Writes the events and fsyncs once (a group commit).</summary>
    public async Task AppendAsync(IReadOnlyList<RunEvent> events, CancellationToken cancellationToken)
    {
        var stream = _stream ??= await OpenAsync(cancellationToken).ConfigureAwait(false);
        var text = new StringBuilder();
        foreach (var runEvent in events)
        {
            text.Append(runEvent.ToJsonLine()).Append('\n');
        }

        await stream.WriteAsync(Encoding.UTF8.GetBytes(text.ToString()), cancellationToken).ConfigureAwait(false);
        stream.Flush(flushToDisk: true);
    }

    public void Dispose() => _stream?.Dispose();

    private async Task<FileStream> OpenAsync(CancellationToken cancellationToken)
    {
        var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        if (stream.Length > 0)
        {
            var bytes = new byte[stream.Length];
            await stream.ReadExactlyAsync(bytes, cancellationToken).ConfigureAwait(false);
            var complete = Array.LastIndexOf(bytes, (byte)'\n') + 1;
            if (complete < bytes.Length)
            {
                stream.SetLength(complete);
                stream.Flush(flushToDisk: true);
            }
        }

        stream.Seek(0, SeekOrigin.End);
        return stream;
    }
}
