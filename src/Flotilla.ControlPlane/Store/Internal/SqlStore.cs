using System.Collections.Immutable;
using System.Data;
using System.Data.Common;
using System.Text;
using System.Text.Json;
using Flotilla.ControlPlane.Auth;
using Flotilla.Contracts;

namespace Flotilla.ControlPlane.Store.Internal;

/// <summary>
/// The store over ADO.NET: the SQL is the same for SQLite and PostgreSQL (portable types,
/// <c>ON CONFLICT DO NOTHING</c>, multi-row inserts), so both behave alike by construction.
/// </summary>
internal abstract partial class SqlStore : IControlPlaneStore
{
    /// <summary>
    /// Rows per multi-row statement. PostgreSQL gains from few round trips; SQLite runs in
    /// process, and binds named parameters in time quadratic in their number, so it takes one row
    /// per statement (the statement is prepared once and reused).
    /// </summary>
    protected virtual int RowsPerStatement => 100;

    protected abstract ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>The engine's spelling of an auto-numbered primary key (for <see cref="Migrations.AutoId"/>).</summary>
    protected abstract string AutoIdColumn { get; }

    public abstract ValueTask DisposeAsync();

    /// <summary>Serialises migrations between servers sharing a database, where the engine needs it.</summary>
    protected virtual Task LockForMigrationAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task MigrateAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await LockForMigrationAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, transaction, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)", [], cancellationToken).ConfigureAwait(false);
        var current = await ScalarAsync(connection, transaction, "SELECT MAX(version) FROM schema_version", [], cancellationToken).ConfigureAwait(false);
        var version = current is null or DBNull ? 0 : Convert.ToInt32(current, System.Globalization.CultureInfo.InvariantCulture);
        foreach (var (number, statements) in Migrations.All)
        {
            if (number <= version)
            {
                continue;
            }

            foreach (var statement in statements)
            {
                await ExecuteAsync(connection, transaction, statement.Replace(Migrations.AutoId, AutoIdColumn, StringComparison.Ordinal), [], cancellationToken).ConfigureAwait(false);
            }

            await ExecuteAsync(connection, transaction, "INSERT INTO schema_version (version) VALUES (@v)", [("v", number)], cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task PingAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await ScalarAsync(connection, null, "SELECT MAX(version) FROM schema_version", [], cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> SetHostTokenAsync(string name, string tokenHash, DateTimeOffset now, bool replace, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        var inserted = await ExecuteAsync(
            connection,
            null,
            "INSERT INTO hosts (name, token_hash, created_at) VALUES (@name, @hash, @now) ON CONFLICT DO NOTHING",
            [("name", name), ("hash", tokenHash), ("now", now.ToUnixTimeMilliseconds())],
            cancellationToken).ConfigureAwait(false);
        if (inserted == 1)
        {
            return true;
        }

        if (!replace)
        {
            return false;
        }

        return await ExecuteAsync(connection, null, "UPDATE hosts SET token_hash = @hash WHERE name = @name", [("name", name), ("hash", tokenHash)], cancellationToken).ConfigureAwait(false) == 1;
    }

    public async Task EnsureHostAsync(string name, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(
            connection,
            null,
            "INSERT INTO hosts (name, created_at) VALUES (@name, @now) ON CONFLICT DO NOTHING",
            [("name", name), ("now", now.ToUnixTimeMilliseconds())],
            cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> RevokeHostTokenAsync(string name, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        return await ExecuteAsync(connection, null, "UPDATE hosts SET token_hash = NULL WHERE name = @name", [("name", name)], cancellationToken).ConfigureAwait(false) == 1;
    }

    public async Task<string?> FindHostByTokenHashAsync(string tokenHash, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        return await ScalarAsync(connection, null, "SELECT name FROM hosts WHERE token_hash = @hash", [("hash", tokenHash)], cancellationToken).ConfigureAwait(false) as string;
    }

    public async Task<IReadOnlyList<HostRecord>> ListHostsAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, null, "SELECT name, token_hash, created_at, last_seen, facts, metrics FROM hosts ORDER BY name", []);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var hosts = new List<HostRecord>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            hosts.Add(new HostRecord(
                reader.GetString(0),
                !reader.IsDBNull(1),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)),
                reader.IsDBNull(3) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)),
                reader.IsDBNull(4) ? null : JsonSerializer.Deserialize(reader.GetString(4), StoreJsonContext.Default.HostFacts),
                reader.IsDBNull(5) ? null : JsonSerializer.Deserialize(reader.GetString(5), StoreJsonContext.Default.HostMetrics)));
        }

        return hosts;
    }

    public async Task<IReadOnlyDictionary<string, string?>> HostTokenHashesAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, null, "SELECT name, token_hash FROM hosts", []);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var hashes = new Dictionary<string, string?>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            hashes[reader.GetString(0)] = reader.IsDBNull(1) ? null : reader.GetString(1);
        }

        return hashes;
    }

    public async Task<bool> AddApiTokenAsync(string name, string tokenHash, DateTimeOffset now, ApiTokenScope scope = ApiTokenScope.Ops, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        return await ExecuteAsync(
            connection,
            null,
            "INSERT INTO api_tokens (name, token_hash, created_at, scope) VALUES (@name, @hash, @now, @scope) ON CONFLICT DO NOTHING",
            [("name", name), ("hash", tokenHash), ("now", now.ToUnixTimeMilliseconds()), ("scope", scope.ToName())],
            cancellationToken).ConfigureAwait(false) == 1;
    }

    public async Task<bool> RevokeApiTokenAsync(string name, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        return await ExecuteAsync(connection, null, "UPDATE api_tokens SET revoked = 1 WHERE name = @name", [("name", name)], cancellationToken).ConfigureAwait(false) == 1;
    }

    public async Task<ApiTokenRecord?> FindApiTokenAsync(string tokenHash, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, null, "SELECT name, scope FROM api_tokens WHERE token_hash = @hash AND revoked = 0", [("hash", tokenHash)]);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        // A scope this version does not know grants the least.
        return new ApiTokenRecord(reader.GetString(0), ApiTokenScopes.TryParse(reader.GetString(1), out var scope) ? scope : ApiTokenScope.Read);
    }

    public async Task InsertCommandsAsync(IReadOnlyList<CommandRecord> commands, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await RunChunkedAsync(
            connection,
            transaction,
            commands,
            count => "INSERT INTO commands (id, batch_id, host, op, argv, state, created_at, expires_at, timeout_ms, requested_by, has_input) VALUES "
                + string.Join(", ", Enumerable.Range(0, count).Select(i => $"(@i{i}, @b{i}, @h{i}, @o{i}, @a{i}, @s{i}, @c{i}, @e{i}, @t{i}, @r{i}, @n{i})")),
            (c, i) =>
            [
                ($"i{i}", c.Id),
                ($"b{i}", c.BatchId),
                ($"h{i}", c.Host),
                ($"o{i}", c.Op),
                ($"a{i}", JsonSerializer.Serialize(c.Argv, StoreJsonContext.Default.ImmutableArrayString)),
                ($"s{i}", c.State.ToName()),
                ($"c{i}", c.CreatedAt.ToUnixTimeMilliseconds()),
                ($"e{i}", c.ExpiresAt.ToUnixTimeMilliseconds()),
                ($"t{i}", (long)c.Timeout.TotalMilliseconds),
                ($"r{i}", c.RequestedBy),
                ($"n{i}", c.HasInput ? 1 : 0),
            ],
            null,
            cancellationToken).ConfigureAwait(false);

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    private const string CommandColumns = "id, batch_id, host, op, argv, state, exit_code, created_at, started_at, finished_at, expires_at, timeout_ms, message, requested_by, has_input";

    public async Task<CommandRecord?> GetCommandAsync(string id, CancellationToken cancellationToken = default)
    {
        var found = await QueryCommandsAsync($"SELECT {CommandColumns} FROM commands WHERE id = @id", [("id", id)], cancellationToken).ConfigureAwait(false);
        return found.Count == 0 ? null : found[0];
    }

    public Task<IReadOnlyList<CommandRecord>> ListCommandsAsync(CommandQuery query, CancellationToken cancellationToken = default)
    {
        var where = new List<string>();
        var parameters = new List<(string, object?)>();
        if (query.BatchId is not null)
        {
            where.Add("batch_id = @batch");
            parameters.Add(("batch", query.BatchId));
        }

        if (query.Host is not null)
        {
            where.Add("host = @host");
            parameters.Add(("host", query.Host));
        }

        if (query.State is { } state)
        {
            where.Add("state = @state");
            parameters.Add(("state", state.ToName()));
        }

        parameters.Add(("limit", (long)query.Limit));
        var filter = where.Count == 0 ? "" : " WHERE " + string.Join(" AND ", where);
        return QueryCommandsAsync($"SELECT {CommandColumns} FROM (SELECT {CommandColumns} FROM commands{filter} ORDER BY created_at DESC, id DESC LIMIT @limit) recent ORDER BY created_at, id", parameters, cancellationToken);
    }

    private async Task<IReadOnlyList<CommandRecord>> QueryCommandsAsync(string sql, IReadOnlyList<(string, object?)> parameters, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, null, sql, parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var commands = new List<CommandRecord>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            commands.Add(new CommandRecord(
                reader.GetString(0),
                reader.GetString(1),
                reader.GetString(2),
                reader.GetString(3),
                JsonSerializer.Deserialize(reader.GetString(4), StoreJsonContext.Default.ImmutableArrayString),
                CommandStates.Parse(reader.GetString(5)),
                reader.IsDBNull(6) ? null : Convert.ToInt32(reader.GetValue(6), System.Globalization.CultureInfo.InvariantCulture),
                Time(reader, 7)!.Value,
                Time(reader, 8),
                Time(reader, 9),
                Time(reader, 10)!.Value,
                TimeSpan.FromMilliseconds(reader.GetInt64(11)),
                reader.IsDBNull(12) ? null : reader.GetString(12),
                reader.GetString(13))
            {
                HasInput = Convert.ToInt64(reader.GetValue(14), System.Globalization.CultureInfo.InvariantCulture) != 0,
            });
        }

        return commands;
    }

    private static DateTimeOffset? Time(DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(ordinal));

    public Task<IReadOnlyList<OutputLine>> ReadOutputAsync(string commandId, long afterLine = 0, int limit = 10_000, CancellationToken cancellationToken = default) =>
        QueryOutputAsync(
            commandId,
            "SELECT line, stream, text, at, seq FROM output WHERE command_id = @id AND line > @after ORDER BY line LIMIT @limit",
            [("id", commandId), ("after", afterLine), ("limit", (long)limit)],
            cancellationToken);

    public Task<IReadOnlyList<OutputLine>> ReadOutputBetweenAsync(string commandId, long afterSeq, long throughSeq, long afterLine, int limit, CancellationToken cancellationToken = default) =>
        QueryOutputAsync(
            commandId,
            "SELECT line, stream, text, at, seq FROM output WHERE command_id = @id AND line > @after AND seq > @from AND seq <= @through ORDER BY line LIMIT @limit",
            [("id", commandId), ("after", afterLine), ("from", afterSeq), ("through", throughSeq), ("limit", (long)limit)],
            cancellationToken);

    private async Task<IReadOnlyList<OutputLine>> QueryOutputAsync(string commandId, string sql, IReadOnlyList<(string, object?)> parameters, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, null, sql, parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var lines = new List<OutputLine>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            lines.Add(new OutputLine(
                commandId,
                reader.GetInt64(0),
                reader.GetString(1) == "stderr" ? OutputStream.Stderr : OutputStream.Stdout,
                reader.GetString(2),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)))
            {
                Seq = reader.GetInt64(4),
            });
        }

        return lines;
    }

    public async Task<long> MaxOutputSeqAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        var max = await ScalarAsync(connection, null, "SELECT MAX(seq) FROM output", [], cancellationToken).ConfigureAwait(false);
        return max is null or DBNull ? 0 : Convert.ToInt64(max, System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task<long> OutputBytesAsync(string commandId, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        var sum = await ScalarAsync(connection, null, "SELECT SUM(octet_length(text)) FROM output WHERE command_id = @id", [("id", commandId)], cancellationToken).ConfigureAwait(false);
        return sum is null or DBNull ? 0 : Convert.ToInt64(sum, System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task<StoreApplied> ApplyAsync(StoreBatch batch, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        // A line already stored (sent again by an agent that reconnected) is not stored twice,
        // and not returned.
        var stored = new HashSet<(string, long)>();
        await RunChunkedAsync(
            connection,
            transaction,
            batch.Output,
            count => "INSERT INTO output (command_id, line, stream, text, at, seq) VALUES "
                + string.Join(", ", Enumerable.Range(0, count).Select(i => $"(@c{i}, @l{i}, @s{i}, @t{i}, @a{i}, @q{i})"))
                + " ON CONFLICT DO NOTHING RETURNING command_id, line",
            (line, i) =>
            [
                ($"c{i}", line.CommandId),
                ($"l{i}", line.Sequence),
                ($"s{i}", line.Stream == OutputStream.Stderr ? "stderr" : "stdout"),
                ($"t{i}", line.Text),
                ($"a{i}", line.Time.ToUnixTimeMilliseconds()),
                ($"q{i}", line.Seq),
            ],
            async (reader, _) =>
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    stored.Add((reader.GetString(0), reader.GetInt64(1)));
                }
            },
            cancellationToken).ConfigureAwait(false);

        var applied = await ApplyTransitionsAsync(connection, transaction, batch.Transitions, cancellationToken).ConfigureAwait(false);

        foreach (var seen in batch.Seen)
        {
            await ExecuteAsync(
                connection,
                transaction,
                "UPDATE hosts SET last_seen = @at, metrics = COALESCE(@metrics, metrics) WHERE name = @name",
                [("name", seen.Host), ("at", seen.At.ToUnixTimeMilliseconds()), ("metrics", seen.Metrics is null ? null : JsonSerializer.Serialize(seen.Metrics, StoreJsonContext.Default.HostMetrics))],
                cancellationToken).ConfigureAwait(false);
        }

        foreach (var (host, facts) in batch.Facts)
        {
            await ExecuteAsync(
                connection,
                transaction,
                "UPDATE hosts SET facts = @facts WHERE name = @name",
                [("name", host), ("facts", JsonSerializer.Serialize(facts, StoreJsonContext.Default.HostFacts))],
                cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        // A line named twice in the batch was stored from its first place.
        return new StoreApplied([.. batch.Output.Where(l => stored.Remove((l.CommandId, l.Sequence)))], [.. batch.Transitions.Where(applied.Contains)]);
    }

    /// <summary>
    /// Applies transitions with one multi-row UPDATE per chunk (a fan-out to thousands of hosts
    /// brings thousands of starts and ends per batch). A command named twice in a batch (started,
    /// then ended) is updated in a later round, so the order holds.
    /// </summary>
    private async Task<HashSet<CommandTransition>> ApplyTransitionsAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<CommandTransition> transitions, CancellationToken cancellationToken)
    {
        if (transitions.FirstOrDefault(t => t.From.Length is 0 or > 2) is { } invalid)
        {
            throw new ArgumentException($"a transition names one or two states to leave, not {invalid.From.Length}", nameof(transitions));
        }

        var applied = new HashSet<CommandTransition>(ReferenceEqualityComparer.Instance);
        var remaining = transitions;
        while (remaining.Count > 0)
        {
            var ids = new HashSet<string>(StringComparer.Ordinal);
            var round = new List<CommandTransition>();
            var later = new List<CommandTransition>();
            foreach (var transition in remaining)
            {
                (ids.Add(transition.CommandId) ? round : later).Add(transition);
            }

            await RunChunkedAsync(
                connection,
                transaction,
                round,
                count => $"""
                    WITH v (cid, to_state, at, exit_value, message_value, from1, from2) AS (VALUES {string.Join(", ", Enumerable.Range(0, count).Select(i => $"(@i{i}, @s{i}, @a{i}, @e{i}, @m{i}, @f{i}, @g{i})"))})
                    UPDATE commands SET
                        state = v.to_state,
                        started_at = CASE WHEN v.to_state = 'running' THEN v.at ELSE commands.started_at END,
                        finished_at = CASE WHEN v.to_state = 'running' THEN commands.finished_at ELSE v.at END,
                        exit_code = COALESCE(v.exit_value, commands.exit_code),
                        message = COALESCE(v.message_value, commands.message)
                    FROM v
                    WHERE commands.id = v.cid AND commands.state IN (v.from1, v.from2)
                    RETURNING id
                    """,
                (t, i) =>
                [
                    ($"i{i}", t.CommandId),
                    ($"s{i}", t.To.ToName()),
                    ($"a{i}", t.At.ToUnixTimeMilliseconds()),
                    ($"e{i}", t.ExitCode is { } code ? (long)code : new SqlNull(DbType.Int64)),
                    ($"m{i}", t.Message ?? (object)new SqlNull(DbType.String)),
                    ($"f{i}", t.From[0].ToName()),
                    ($"g{i}", t.From[^1].ToName()),
                ],
                async (reader, chunk) =>
                {
                    var byId = chunk.ToDictionary(t => t.CommandId, StringComparer.Ordinal);
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        applied.Add(byId[reader.GetString(0)]);
                    }
                },
                cancellationToken).ConfigureAwait(false);

            remaining = later;
        }

        return applied;
    }

    /// <summary>
    /// Runs one statement per chunk of <see cref="RowsPerStatement"/> rows; a statement for a
    /// chunk size is built and prepared once, then reused with new values (set by position).
    /// </summary>
    private async Task RunChunkedAsync<T>(
        DbConnection connection,
        DbTransaction transaction,
        IReadOnlyList<T> rows,
        Func<int, string> sql,
        Func<T, int, (string Name, object? Value)[]> parameters,
        Func<DbDataReader, T[], Task>? read,
        CancellationToken cancellationToken)
    {
        var commands = new Dictionary<int, DbCommand>();
        try
        {
            foreach (var chunk in rows.Chunk(RowsPerStatement))
            {
                var values = chunk.SelectMany((row, i) => parameters(row, i)).ToList();
                if (commands.TryGetValue(chunk.Length, out var command))
                {
                    for (var i = 0; i < values.Count; i++)
                    {
                        SetValue(command.Parameters[i], values[i].Value);
                    }
                }
                else
                {
                    command = Command(connection, transaction, sql(chunk.Length), values);
                    commands[chunk.Length] = command;
                }

                if (read is null)
                {
                    await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                    await read(reader, chunk).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            foreach (var command in commands.Values)
            {
                await command.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>A NULL parameter of a given type (PostgreSQL needs it where the type cannot be inferred).</summary>
    protected sealed record SqlNull(DbType Type);

    protected static DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql, IReadOnlyList<(string Name, object? Value)> parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            SetValue(parameter, value);

            command.Parameters.Add(parameter);
        }

        return command;
    }

    private static void SetValue(DbParameter parameter, object? value)
    {
        switch (value)
        {
            case null:
                parameter.Value = DBNull.Value;
                parameter.DbType = DbType.String;
                break;
            case SqlNull typed:
                parameter.Value = DBNull.Value;
                parameter.DbType = typed.Type;
                break;
            default:
                parameter.Value = value;
                break;
        }
    }

    protected static async Task<int> ExecuteAsync(DbConnection connection, DbTransaction? transaction, string sql, IReadOnlyList<(string, object?)> parameters, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, transaction, sql, parameters);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    protected static async Task<object?> ScalarAsync(DbConnection connection, DbTransaction? transaction, string sql, IReadOnlyList<(string, object?)> parameters, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, transaction, sql, parameters);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
    }
}
