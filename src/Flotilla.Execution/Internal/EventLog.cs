using System.Text;
using System.Text.Json;
using Flotilla.Planning;

namespace Flotilla.Execution.Internal;

/// <summary>
/// <c>events.jsonl</c>: one event per line, appended and fsync'd one by one, so a SIGKILL (or a
/// power cut) loses at most the line being written. Reading skips lines that do not parse (the
/// torn last line of a killed run), but not a whole event whose step kind this version does not
/// know (<see cref="RunJournalException"/>); appending to such a file first cuts the torn line off.
/// Appends are serialized by the caller.
/// </summary>
internal sealed class EventLog(string path) : IDisposable
{
    private FileStream? _stream;

    /// <param name="file">How errors name the file (its path, or its name in a journal being imported).</param>
    public static async Task<List<RunEvent>> ReadAsync(string path, string file, CancellationToken cancellationToken)
    {
        var events = new List<RunEvent>();
        if (!File.Exists(path))
        {
            return events;
        }

        var text = await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false);
        var complete = text.LastIndexOf('\n') + 1;
        var number = 0;
        foreach (var line in text[..complete].Split('\n'))
        {
            number++;
            if (line.Length > 0 && RunEvent.TryParse(line, out var runEvent))
            {
                events.Add(runEvent);
            }
            else if (UnknownKind(line) is { } kind)
            {
                // Not a torn line: skipping it would show the run, or resume it, without that step's progress.
                throw new RunJournalException(
                    $"{file} line {number}: the step kind \"{kind}\" is not one this version of Flotilla knows ({StepKinds.KnownNames}); "
                    + "the run was written by another version of Flotilla: show or resume it with that one");
            }
        }

        return events;
    }

    /// <summary>The <c>kind</c> of an event line that is whole JSON but names a kind no <see cref="StepKind"/> has; null for anything else.</summary>
    private static string? UnknownKind(string line)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            return document.RootElement is { ValueKind: JsonValueKind.Object } root
                && root.TryGetProperty("kind", out var kind)
                && kind.ValueKind == JsonValueKind.String
                && !StepKinds.TryParse(kind.GetString(), out _)
                ? kind.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
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
