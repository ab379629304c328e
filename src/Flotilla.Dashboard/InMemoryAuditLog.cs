namespace Flotilla.Dashboard;

/// <summary>The audit log in memory, bounded (the oldest entries go first): the default until a store is registered. Thread safe.</summary>
public sealed class InMemoryAuditLog(int capacity = 10_000) : IAuditLog
{
    private readonly LinkedList<AuditEntry> _entries = new();
    private readonly Lock _lock = new();

    public ValueTask AppendAsync(AuditEntry entry, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            _entries.AddFirst(entry);
            if (_entries.Count > capacity)
            {
                _entries.RemoveLast();
            }
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<IReadOnlyList<AuditEntry>> ListAsync(int limit, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return ValueTask.FromResult<IReadOnlyList<AuditEntry>>([.. _entries.Take(limit)]);
        }
    }
}
