using Flotilla.ControlPlane.Store.Internal;
using Flotilla.Security;
using Npgsql;

namespace Flotilla.ControlPlane.Store;

/// <summary>Opens the store a server or a CLI command names: SQLite under a data directory, or PostgreSQL.</summary>
public static class ControlPlaneStores
{
    public const string SqliteFileName = "flotilla.db";

    /// <summary>The default data directory: $XDG_STATE_HOME/flotilla/server, else ~/.local/state/flotilla/server.</summary>
    public static string DefaultDataDirectory()
    {
        var state = Environment.GetEnvironmentVariable("XDG_STATE_HOME");
        if (string.IsNullOrEmpty(state))
        {
            state = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state");
        }

        return Path.Combine(state, "flotilla", "server");
    }

    /// <summary>
    /// <paramref name="database"/> (a <c>postgres://</c> or <c>postgresql://</c> URL, or an Npgsql
    /// connection string) wins; otherwise SQLite in <paramref name="dataDirectory"/>. The schema is
    /// migrated before the store is returned. A data directory it creates is 0700, and the database 0600
    /// (<see cref="PrivateFiles"/>).
    /// </summary>
    public static async Task<IControlPlaneStore> OpenAsync(string? dataDirectory, string? database, CancellationToken cancellationToken = default)
    {
        IControlPlaneStore store;
        if (!string.IsNullOrWhiteSpace(database))
        {
            store = new PostgresStore(NpgsqlDataSource.Create(PostgresConnectionString(database)));
        }
        else
        {
            var directory = Path.GetFullPath(dataDirectory ?? DefaultDataDirectory());
            PrivateFiles.CreateDirectory(directory);
            var path = Path.Combine(directory, SqliteFileName);
            PrivateFiles.PrepareDatabase(path);
            store = new SqliteStore(path);
        }

        try
        {
            await store.MigrateAsync(cancellationToken).ConfigureAwait(false);
            return store;
        }
        catch
        {
            await store.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Turns <c>postgres://user:password@host:port/db?sslmode=require&amp;host=/run/postgresql</c> into an
    /// Npgsql connection string; anything else is taken as a connection string already.
    /// </summary>
    public static string PostgresConnectionString(string database)
    {
        if (!database.StartsWith("postgres://", StringComparison.Ordinal) && !database.StartsWith("postgresql://", StringComparison.Ordinal))
        {
            return new NpgsqlConnectionStringBuilder(database).ConnectionString;
        }

        var uri = new Uri(database);
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = string.IsNullOrEmpty(uri.Host) ? "localhost" : uri.Host,
            Port = uri.Port > 0 ? uri.Port : 5432,
            Database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/')),
        };
        if (uri.UserInfo.Length > 0)
        {
            var parts = uri.UserInfo.Split(':', 2);
            builder.Username = Uri.UnescapeDataString(parts[0]);
            if (parts.Length == 2)
            {
                builder.Password = Uri.UnescapeDataString(parts[1]);
            }
        }

        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = pair.Split('=', 2);
            var value = kv.Length == 2 ? Uri.UnescapeDataString(kv[1]) : "";
            switch (kv[0])
            {
                case "host":
                    builder.Host = value;
                    break;
                case "sslmode":
                    builder.SslMode = Enum.Parse<SslMode>(value, ignoreCase: true);
                    break;
                default:
                    builder[kv[0]] = value;
                    break;
            }
        }

        return builder.ConnectionString;
    }
}
