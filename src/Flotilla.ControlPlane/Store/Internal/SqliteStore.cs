using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Flotilla.ControlPlane.Store.Internal;

/// <summary>The embedded store: one SQLite file in WAL mode (readers never wait for the writer).</summary>
internal sealed class SqliteStore : SqlStore
{
    private readonly string _connectionString;

    public SqliteStore(string path)
    {
        Path = path;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
    }

    public string Path { get; }

    protected override string AutoIdColumn => "INTEGER PRIMARY KEY AUTOINCREMENT";

    protected override int RowsPerStatement => 1;

    protected override async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        // Per connection: wait for another writer (the CLI adding a host while the server runs)
        // instead of failing, and sync at checkpoints rather than every commit (WAL keeps it safe).
        await using var pragma = connection.CreateCommand();
        pragma.CommandText = "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 30000; PRAGMA foreign_keys = ON;";
        await pragma.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return connection;
    }

    public override ValueTask DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        return ValueTask.CompletedTask;
    }
}
