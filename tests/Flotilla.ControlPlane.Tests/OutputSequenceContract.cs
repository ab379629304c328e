using System.Data.Common;
using Flotilla.ControlPlane.Store;
using Flotilla.ControlPlane.Store.Internal;
using Flotilla.Contracts;
using Flotilla.Tests.Support;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Flotilla.Tests;

/// <summary>Output lines' numbers in stored order (what event streams resume by), on SQLite and PostgreSQL.</summary>
public abstract class OutputSequenceContract(IStoreTargets targets)
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 5, 0, 0, TimeSpan.Zero);

    private static OutputLine Line(string command, long line, long seq, string text = "x") =>
        new(command, line, OutputStream.Stdout, text, Now.AddMilliseconds(seq)) { Seq = seq };

    [Fact]
    public async Task Lines_keep_their_numbers_and_are_read_by_number_range_in_line_order()
    {
        var target = await targets.NewAsync();
        await using var store = await target.OpenAsync();
        Assert.Equal(0, await store.MaxOutputSeqAsync());
        await store.ApplyAsync(new StoreBatch([Line("a", 1, 1), Line("b", 1, 2), Line("a", 2, 3, "héllo"), Line("b", 2, 4), Line("a", 3, 5)], [], [], []));

        Assert.Equal(5, await store.MaxOutputSeqAsync());
        Assert.Equal([2L], (await store.ReadOutputBetweenAsync("a", afterSeq: 1, throughSeq: 4, afterLine: 0, limit: 10)).Select(l => l.Sequence));
        Assert.Equal([3L], (await store.ReadOutputBetweenAsync("a", afterSeq: 0, throughSeq: 5, afterLine: 2, limit: 10)).Select(l => l.Sequence));
        Assert.Equal([1L], (await store.ReadOutputBetweenAsync("b", afterSeq: 0, throughSeq: 5, afterLine: 0, limit: 1)).Select(l => l.Sequence));
        Assert.Equal([1L, 3, 5], (await store.ReadOutputAsync("a")).Select(l => l.Seq));
        // Bytes, not characters: "é" is two.
        Assert.Equal(1 + 6 + 1, await store.OutputBytesAsync("a"));
    }

    [Fact]
    public async Task Lines_stored_before_numbering_existed_are_numbered_in_the_order_they_arrived()
    {
        var target = await targets.NewAsync();
        // A store at schema version 3, with output, as a server before this change left it.
        await using (var connection = await OpenRawAsync(target))
        {
            await ExecuteAsync(connection, "CREATE TABLE schema_version (version INTEGER NOT NULL)");
            foreach (var (version, statements) in Migrations.All.Where(m => m.Version <= 3))
            {
                foreach (var statement in statements)
                {
                    await ExecuteAsync(connection, statement.Replace(Migrations.AutoId, target.Database is null ? "INTEGER PRIMARY KEY AUTOINCREMENT" : "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY", StringComparison.Ordinal));
                }

                await ExecuteAsync(connection, $"INSERT INTO schema_version (version) VALUES ({version})");
            }

            await ExecuteAsync(connection, "INSERT INTO output (command_id, line, stream, text, at) VALUES ('b', 1, 'stdout', 'b1', 1000), ('a', 2, 'stdout', 'a2', 2000), ('a', 1, 'stdout', 'a1', 1000), ('b', 2, 'stdout', 'b2', 3000)");
        }

        await using var store = await target.OpenAsync();

        Assert.Equal([1L, 3], (await store.ReadOutputAsync("a")).Select(l => l.Seq));
        Assert.Equal([2L, 4], (await store.ReadOutputAsync("b")).Select(l => l.Seq));
        Assert.Equal(4, await store.MaxOutputSeqAsync());
    }

    private static async Task<DbConnection> OpenRawAsync(StoreTarget target)
    {
        DbConnection connection;
        if (target.Database is null)
        {
            Directory.CreateDirectory(target.DataDirectory!);
            connection = new SqliteConnection($"Data Source={Path.Combine(target.DataDirectory!, "flotilla.db")};Pooling=False");
        }
        else
        {
            var url = new Uri(target.Database);
            connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder
            {
                Host = url.Host,
                Port = url.Port,
                Username = url.UserInfo.Split(':')[0],
                Database = url.AbsolutePath.TrimStart('/'),
                Pooling = false,
            }.ConnectionString);
        }

        await connection.OpenAsync();
        return connection;
    }

    private static async Task ExecuteAsync(DbConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}

public sealed class SqliteOutputSequenceTests(SqliteTargets targets) : OutputSequenceContract(targets), IClassFixture<SqliteTargets>;

[Collection(PostgresCollection.Name)]
public sealed class PostgresOutputSequenceTests(PostgresFixture fixture) : OutputSequenceContract(new PostgresTargets(fixture));
