using System.Collections.Concurrent;

namespace Flotilla.Dashboard;

/// <summary>Sessions in memory (they end with the process): the default until a store is registered. Thread safe.</summary>
public sealed class InMemorySessionStore : ISessionStore
{
    private readonly ConcurrentDictionary<string, DashboardSession> _sessions = new(StringComparer.Ordinal);

    public ValueTask CreateAsync(DashboardSession session, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        _sessions[session.Id] = session;
        return ValueTask.CompletedTask;
    }

    public ValueTask<DashboardSession?> FindAsync(string id, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(_sessions.GetValueOrDefault(id));

    public ValueTask TouchAsync(string id, DateTimeOffset lastSeen, CancellationToken cancellationToken = default)
    {
        if (_sessions.TryGetValue(id, out var session))
        {
            _sessions.TryUpdate(id, session with { LastSeen = lastSeen }, session);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask DeleteAsync(string id, CancellationToken cancellationToken = default)
    {
        _sessions.TryRemove(id, out _);
        return ValueTask.CompletedTask;
    }

    public ValueTask<int> DeleteExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var removed = 0;
        foreach (var (id, session) in _sessions)
        {
            if (session.Expires <= now && _sessions.TryRemove(id, out _))
            {
                removed++;
            }
        }

        return ValueTask.FromResult(removed);
    }
}
