using Microsoft.Extensions.Logging;

namespace Flotilla.ControlPlane.Internal;

/// <summary>
/// Decides whether one more agent may connect: at most <see cref="Max"/> at once
/// (<c>--max-agents</c>, or what the open-file limit leaves), and none while the process is near
/// its open-file limit whatever the count (API clients and event streams hold files too). A
/// refused agent gets 503 before the upgrade, with the reason and when to try again. Logs when
/// it starts refusing (again at most once a minute while it goes on) and when it takes agents
/// again. Thread safe.
/// </summary>
internal sealed partial class AgentAdmission
{
    /// <summary>How long a refused agent is asked to wait (<c>Retry-After</c>); agents add their own jitter.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(30);

    /// <summary>Below this many free files the server takes no new agent, whatever their count.</summary>
    private const int FilesKeptFree = 128;

    private static readonly TimeSpan LogEvery = TimeSpan.FromMinutes(1);
    private readonly ILogger<AgentAdmission> _logger;
    private readonly ControlPlaneMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private int _admitted;
    private int _openFiles;
    private bool _refusing;
    private long _refusedSinceLog;
    private DateTimeOffset _lastLog;

    public AgentAdmission(ControlPlaneOptions options, ControlPlaneMetrics metrics, ILogger<AgentAdmission> logger)
    {
        _logger = logger;
        _metrics = metrics;
        _time = options.TimeProvider;
        OpenFileLimit = AgentLimits.OpenFileLimit();
        Max = options.MaxAgents ?? (OpenFileLimit is { } limit ? AgentLimits.FromOpenFileLimit(limit) : 10_000);
        Source = options.MaxAgents is not null ? "--max-agents"
            : OpenFileLimit is { } files ? $"derived from the open-file limit of {files}"
            : "the default; the open-file limit could not be read";
        SampleOpenFiles();
        metrics.ObserveAdmission(this);
        LogLimit(logger, Max, Source);
    }

    public int Max { get; }

    /// <summary>Where <see cref="Max"/> came from, for people.</summary>
    public string Source { get; }

    public long? OpenFileLimit { get; }

    public int Admitted => Volatile.Read(ref _admitted);

    /// <summary>Open files when last sampled (<see cref="SampleOpenFiles"/>); 0 where it cannot be counted.</summary>
    public int OpenFiles => Volatile.Read(ref _openFiles);

    /// <summary>Takes a place for one agent, or says why not (the agent is then to be answered 503). A taken place is given back with <see cref="Leave"/>.</summary>
    public (bool Admitted, string? Reason, string? Code) TryAdmit()
    {
        string reason;
        string code;
        lock (_gate)
        {
            if (OpenFileLimit is { } limit && _openFiles > 0 && _openFiles >= limit - FilesKeptFree)
            {
                code = "open-files";
                reason = $"the server is near its open-file limit ({_openFiles} of {limit} open)";
            }
            else if (_admitted >= Max)
            {
                code = "max-agents";
                reason = $"the server is at its limit of {Max} agents ({Source})";
            }
            else
            {
                _admitted++;
                return (true, null, null);
            }

            _refusedSinceLog++;
            var now = _time.GetUtcNow();
            if (!_refusing || now - _lastLog >= LogEvery)
            {
                LogRefusing(_logger, reason, _admitted, _refusedSinceLog);
                _refusing = true;
                _lastLog = now;
                _refusedSinceLog = 0;
            }
        }

        _metrics.AgentRefused(code);
        return (false, reason, code);
    }

    public void Leave()
    {
        lock (_gate)
        {
            _admitted--;
            if (_refusing && _admitted < Max && (OpenFileLimit is not { } limit || _openFiles < limit - FilesKeptFree))
            {
                _refusing = false;
                LogTakingAgain(_logger, _admitted, Max);
            }
        }
    }

    /// <summary>Counts the process's open files (Linux: /proc/self/fd); the sweeper calls it every few seconds.</summary>
    public void SampleOpenFiles()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        try
        {
            var count = 0;
            foreach (var _ in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
            {
                count++;
            }

            Volatile.Write(ref _openFiles, count);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Out of files to even look: keep the last count.
        }
    }

    [LoggerMessage(EventId = 210, Level = LogLevel.Information, Message = "Taking at most {Max} agents ({Source})")]
    private static partial void LogLimit(ILogger logger, int max, string source);

    [LoggerMessage(EventId = 211, Level = LogLevel.Warning, Message = "Agent limit: refusing new agents with 503: {Reason}; {Connected} connected keep being served; {Refused} more refused since the last message")]
    private static partial void LogRefusing(ILogger logger, string reason, int connected, long refused);

    [LoggerMessage(EventId = 212, Level = LogLevel.Information, Message = "Taking new agents again ({Connected} of at most {Max} connected)")]
    private static partial void LogTakingAgain(ILogger logger, int connected, int max);
}
