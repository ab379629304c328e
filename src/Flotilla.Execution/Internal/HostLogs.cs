using System.Text;

namespace Flotilla.Execution.Internal;

/// <summary>
/// <c>logs/HOST.log</c>: every output line of a host's steps, prefixed with the time and the step.
/// Each line goes to the operating system at once (a SIGKILL of the orchestrator loses none);
/// <see cref="Sync"/> also forces them to disk. Thread safe: executors write from their own threads.
/// Writes are synchronous because <see cref="IStepOutput.Line"/> is.
/// </summary>
internal sealed class HostLogs(string directory) : IDisposable
{
    /// <summary>The log of steps that belong to no host (gates, fleet-wide Terraform).</summary>
    public const string FleetLog = "_fleet";

    private readonly Lock _lock = new();
    private readonly Dictionary<string, FileStream> _streams = new(StringComparer.Ordinal);

    public string PathOf(string? host) => Path.Combine(directory, FileName(host) + ".log");

    public void Write(string? host, DateTimeOffset time, string stepId, string line)
    {
        var bytes = Encoding.UTF8.GetBytes($"{UtcTimeJsonConverter.ToText(time)} {stepId} | {line}\n");
        lock (_lock)
        {
            var key = FileName(host);
            if (!_streams.TryGetValue(key, out var stream))
            {
                Directory.CreateDirectory(directory);
                stream = new FileStream(PathOf(host), FileMode.Append, FileAccess.Write, FileShare.Read);
                _streams.Add(key, stream);
            }

            stream.Write(bytes);
            stream.Flush();
        }
    }

    public void Sync()
    {
        lock (_lock)
        {
            foreach (var stream in _streams.Values)
            {
                stream.Flush(flushToDisk: true);
            }
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var stream in _streams.Values)
            {
                stream.Dispose();
            }

            _streams.Clear();
        }
    }

    private static string FileName(string? host)
    {
        if (host is null)
        {
            return FleetLog;
        }

        var name = new StringBuilder(host.Length);
        foreach (var c in host)
        {
            name.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_');
        }

        return name.Length == 0 || name[0] == '.' ? "_" + name : name.ToString();
    }
}
