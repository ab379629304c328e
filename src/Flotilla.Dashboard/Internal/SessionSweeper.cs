using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Flotilla.Dashboard.Internal;

/// <summary>Removes expired sessions from the store every ten minutes.</summary>
internal sealed partial class SessionSweeper(ISessionStore sessions, TimeProvider time, ILogger<SessionSweeper> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(10);

    public async Task<int> SweepOnceAsync(CancellationToken cancellationToken)
    {
        var removed = await sessions.DeleteExpiredAsync(time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        if (removed > 0)
        {
            LogSwept(removed);
        }

        return removed;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                await SweepOnceAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(EventId = 7101, Level = LogLevel.Debug, Message = "Removed {Count} expired sessions")]
    private partial void LogSwept(int count);
}
