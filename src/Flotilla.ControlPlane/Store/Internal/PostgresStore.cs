using System.Data.Common;
using Npgsql;

namespace Flotilla.ControlPlane.Store.Internal;

/// <summary>The store on PostgreSQL, for larger fleets (a pooled data source, prepared-statement friendly SQL).</summary>
internal sealed class PostgresStore(NpgsqlDataSource dataSource) : SqlStore
{
    protected override async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
        await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

    protected override string AutoIdColumn => "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY";

    protected override async Task LockForMigrationAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        // Two servers starting on one database migrate one after the other.
        await ExecuteAsync(connection, transaction, "SELECT pg_advisory_xact_lock(7355608)", [], cancellationToken).ConfigureAwait(false);
    }

    public override ValueTask DisposeAsync() => dataSource.DisposeAsync();
}
