using Flotilla.Dashboard;

namespace Flotilla.ControlPlane.Store.Internal;

/// <summary>The dashboard's sessions, audit log and TOTP steps (migration 2), in the same SQL for both engines.</summary>
internal abstract partial class SqlStore
{
    public async ValueTask CreateAsync(DashboardSession session, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(
            connection,
            null,
            "INSERT INTO dashboard_sessions (id, user_name, created_at, expires_at, last_seen, client_address) VALUES (@id, @user, @created, @expires, @seen, @client)",
            [
                ("id", session.Id), ("user", session.User), ("created", session.Created.ToUnixTimeMilliseconds()),
                ("expires", session.Expires.ToUnixTimeMilliseconds()), ("seen", session.LastSeen.ToUnixTimeMilliseconds()), ("client", session.ClientAddress),
            ],
            cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<DashboardSession?> FindAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, null, "SELECT id, user_name, created_at, expires_at, last_seen, client_address FROM dashboard_sessions WHERE id = @id", [("id", id)]);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        return new DashboardSession(
            reader.GetString(0),
            reader.GetString(1),
            DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)),
            DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)),
            DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)),
            reader.IsDBNull(5) ? null : reader.GetString(5));
    }

    public async ValueTask TouchAsync(string id, DateTimeOffset lastSeen, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, null, "UPDATE dashboard_sessions SET last_seen = @seen WHERE id = @id AND last_seen < @seen", [("id", id), ("seen", lastSeen.ToUnixTimeMilliseconds())], cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DeleteAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, null, "DELETE FROM dashboard_sessions WHERE id = @id", [("id", id)], cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<int> DeleteExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        return await ExecuteAsync(connection, null, "DELETE FROM dashboard_sessions WHERE expires_at <= @now", [("now", now.ToUnixTimeMilliseconds())], cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask AppendAsync(AuditEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(
            connection,
            null,
            "INSERT INTO audit_log (at, actor, action, target, detail, result, client_address) VALUES (@at, @actor, @action, @target, @detail, @result, @client)",
            [
                ("at", entry.Time.ToUnixTimeMilliseconds()), ("actor", entry.Actor), ("action", entry.Action), ("target", entry.Target),
                ("detail", entry.Detail), ("result", entry.Result), ("client", entry.ClientAddress),
            ],
            cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<IReadOnlyList<AuditEntry>> ListAsync(int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(
            connection,
            null,
            "SELECT at, actor, action, target, detail, result, client_address FROM audit_log ORDER BY id DESC LIMIT @limit",
            [("limit", (long)Math.Max(0, limit))]);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var entries = new List<AuditEntry>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            entries.Add(new AuditEntry(
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(0)),
                reader.GetString(1),
                reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.GetString(5),
                reader.IsDBNull(6) ? null : reader.GetString(6)));
        }

        return entries;
    }

    public async ValueTask<bool> TryUseStepAsync(string account, long step, CancellationToken cancellationToken = default)
    {
        // One statement: two servers (or two requests) racing with the same code cannot both win.
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        return await ExecuteAsync(
            connection,
            null,
            "INSERT INTO totp_steps (account, step) VALUES (@account, @step) ON CONFLICT (account) DO UPDATE SET step = excluded.step WHERE totp_steps.step < excluded.step",
            [("account", account), ("step", step)],
            cancellationToken).ConfigureAwait(false) == 1;
    }
}
