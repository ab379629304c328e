using System.Globalization;
using System.Text.Json;
using Flotilla.Contracts;

namespace Flotilla.Agent.Internal;

/// <summary>
/// The host's scheduled backups for a heartbeat: each <c>SERVICE.json</c> the backup timers write
/// into the results directory (nix/modules/flotilla-backups.nix; dot files are their temporary
/// files). A file is read again only when its size or time changed. A file that cannot be read,
/// is not JSON or not the timers' shape is reported as that service's problem, naming the file.
/// One instance per agent; not thread safe (the heartbeat loop calls it).
/// </summary>
internal sealed class BackupResultsProbe(string? directory)
{
    /// <summary>A result file is a few hundred bytes; one larger than this is not one.</summary>
    internal const long MaxFileBytes = 64 * 1024;

    /// <summary>The most services reported; the heartbeat stays small.</summary>
    internal const int MaxServices = 256;

    internal const int MaxMessageLength = 1000;

    private readonly Dictionary<string, (DateTime Modified, long Length, BackupReport Report)> _read = new(StringComparer.Ordinal);

    /// <summary>The reports, by service name; null when the directory does not exist or holds none.</summary>
    public IReadOnlyList<BackupReport>? Read()
    {
        if (directory is null || !Directory.Exists(directory))
        {
            return null;
        }

        List<string> files;
        try
        {
            files = [.. Directory.EnumerateFiles(directory, "*.json")
                .Where(f => !Path.GetFileName(f).StartsWith('.'))
                .Order(StringComparer.Ordinal)
                .Take(MaxServices)];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [new BackupReport("(all)") { Problem = $"{directory}: the backup results cannot be listed ({e.Message}); the agent needs to read this directory" }];
        }

        var reports = new List<BackupReport>(files.Count);
        foreach (var file in files)
        {
            var info = new FileInfo(file);
            if (!info.Exists)
            {
                continue; // replaced or removed since it was listed
            }

            if (!_read.TryGetValue(file, out var cached) || cached.Modified != info.LastWriteTimeUtc || cached.Length != info.Length)
            {
                cached = (info.LastWriteTimeUtc, info.Length, ReadFile(file, info.Length));
                _read[file] = cached;
            }

            reports.Add(cached.Report);
        }

        foreach (var gone in _read.Keys.Except(files, StringComparer.Ordinal).ToList())
        {
            _read.Remove(gone);
        }

        return reports.Count == 0 ? null : reports;
    }

    private static BackupReport ReadFile(string file, long length)
    {
        var service = Path.GetFileNameWithoutExtension(file);
        var again = $"the timer writes it again at its next run (systemctl start flotilla-backup-{service})";
        if (length > MaxFileBytes)
        {
            return new BackupReport(service) { Problem = $"{file}: {length} bytes is not a backup result (at most {MaxFileBytes}); remove it, {again}" };
        }

        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new BackupReport(service) { Problem = $"{file}: cannot be read ({e.Message}); the agent's user needs to read it" };
        }

        try
        {
            return Parse(service, bytes);
        }
        catch (JsonException e)
        {
            return new BackupReport(service) { Problem = $"{file}: not valid JSON ({e.Message}); {again}" };
        }
        catch (FormatException e)
        {
            return new BackupReport(service) { Problem = $"{file}: {e.Message}; {again}" };
        }
    }

    /// <summary>The timers' shape; <see cref="FormatException"/> names the attribute that is not.</summary>
    internal static BackupReport Parse(string fileService, ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
        using var document = JsonDocument.ParseValue(ref reader);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException($"the file holds a JSON {root.ValueKind.ToString().ToLowerInvariant()}, not an object");
        }

        string? Text(string name) => root.TryGetProperty(name, out var v) ? v.ValueKind switch
        {
            JsonValueKind.String => v.GetString(),
            JsonValueKind.Null => null,
            _ => throw new FormatException($"\"{name}\" is a {v.ValueKind.ToString().ToLowerInvariant()}, not a string"),
        } : null;

        bool Flag(string name) => root.TryGetProperty(name, out var v) ? v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False or JsonValueKind.Null => false,
            _ => throw new FormatException($"\"{name}\" is a {v.ValueKind.ToString().ToLowerInvariant()}, not true or false"),
        } : false;

        DateTimeOffset? Time(string name) => Text(name) is { } text
            ? DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time) ? time : throw new FormatException($"\"{name}\" is \"{text}\", not a time (2026-12-05T02:00:00Z)")
            : null;

        long? size = root.TryGetProperty("size", out var s) && s.ValueKind != JsonValueKind.Null
            ? s.TryGetInt64(out var bytes) ? bytes : throw new FormatException("\"size\" is not a whole number of bytes")
            : null;
        var message = Text("message");
        return new BackupReport(Text("service") ?? fileService)
        {
            Tool = Text("tool"),
            Time = Time("time"),
            Succeeded = Flag("succeeded"),
            Verified = Flag("verified"),
            Snapshot = Text("snapshot"),
            SizeBytes = size,
            Message = message is { Length: > MaxMessageLength } ? message[..MaxMessageLength] + "..." : message,
            LastGood = Time("lastGood"),
            LastGoodSnapshot = Text("lastGoodSnapshot"),
        };
    }
}
