using System.Text.Json;

namespace Flotilla.ControlPlane.Store.Internal;

/// <summary>Run journals (migration 5) and runs' leases on hosts (migration 6), in the same SQL for both engines.</summary>
internal abstract partial class SqlStore
{
    public async Task SaveRunJournalAsync(StoredRunJournal journal, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(journal);
        var files = JsonSerializer.Serialize(new Dictionary<string, string>(journal.Files, StringComparer.Ordinal), StoreJsonContext.Default.DictionaryStringString);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(
            connection,
            null,
            """
            INSERT INTO run_journals (id, operation, started_at, finished, files, saved_at) VALUES (@id, @operation, @started, @finished, @files, @saved)
            ON CONFLICT (id) DO UPDATE SET operation = excluded.operation, started_at = excluded.started_at, finished = excluded.finished, files = excluded.files, saved_at = excluded.saved_at
            """,
            [
                ("id", journal.Id), ("operation", journal.Operation), ("started", journal.Started.ToUnixTimeMilliseconds()),
                ("finished", journal.Finished ? 1 : 0), ("files", files), ("saved", journal.Saved.ToUnixTimeMilliseconds()),
            ],
            cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<StoredRunSummary>> ListRunJournalsAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, null, "SELECT id, operation, started_at, finished, saved_at FROM run_journals ORDER BY started_at, id", []);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var runs = new List<StoredRunSummary>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            runs.Add(new StoredRunSummary(
                reader.GetString(0),
                reader.GetString(1),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)),
                reader.GetInt32(3) != 0,
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4))));
        }

        return runs;
    }

    public async Task<IReadOnlyDictionary<string, string>?> GetRunJournalAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        var files = await ScalarAsync(connection, null, "SELECT files FROM run_journals WHERE id = @id", [("id", id)], cancellationToken).ConfigureAwait(false);
        return files is string json ? JsonSerializer.Deserialize(json, StoreJsonContext.Default.DictionaryStringString) : null;
    }

    public async Task<IReadOnlyDictionary<string, string>> ListHostLeasesAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, null, "SELECT token, lease FROM host_leases", []);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var leases = new Dictionary<string, string>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            leases[reader.GetString(0)] = reader.GetString(1);
        }

        return leases;
    }

    public async Task SaveHostLeaseAsync(string token, string lease, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(
            connection,
            null,
            "INSERT INTO host_leases (token, lease) VALUES (@token, @lease) ON CONFLICT (token) DO UPDATE SET lease = excluded.lease",
            [("token", token), ("lease", lease)],
            cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> UpdateHostLeaseAsync(string token, string lease, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        return await ExecuteAsync(connection, null, "UPDATE host_leases SET lease = @lease WHERE token = @token", [("token", token), ("lease", lease)], cancellationToken).ConfigureAwait(false) > 0;
    }

    public async Task<bool> DeleteHostLeaseAsync(string token, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        return await ExecuteAsync(connection, null, "DELETE FROM host_leases WHERE token = @token", [("token", token)], cancellationToken).ConfigureAwait(false) > 0;
    }
}
