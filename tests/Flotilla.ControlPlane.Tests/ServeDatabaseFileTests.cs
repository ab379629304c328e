using Flotilla.Cli;
using Flotilla.Tests.Support;
using Npgsql;

namespace Flotilla.Tests;

/// <summary>
/// <c>--database-file</c>: the PostgreSQL URL (which may hold a password) read from a file, so it
/// is in neither argv nor the environment; for <c>serve</c> and every command that opens the store.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ServeDatabaseFileTests(PostgresFixture fixture)
{
    [Fact]
    public async Task Serve_with_a_database_file_keeps_its_data_in_that_postgresql_database()
    {
        using var data = new TempDirectory();
        var url = await fixture.Cluster.CreateDatabaseAsync();
        var file = data.Write("database-url", url + "\n");
        using var stop = new CancellationTokenSource();
        using var output = new StringWriter();
        var synchronized = TextWriter.Synchronized(output);
        using var error = new StringWriter();
        var sqlite = Path.Combine(data.Path, "data");

        var run = FlotillaCli.RunAsync(["serve", "--urls", "http://127.0.0.1:0", "--data-dir", sqlite, "--state-dir", data.Path, "--no-dashboard", "--database-file", file], synchronized, TextWriter.Synchronized(error), data.Path, stop.Token);
        try
        {
            await Eventually.WaitAsync(() => Task.FromResult(run.IsCompleted || Text(synchronized, output).Contains("listening on", StringComparison.Ordinal)), () => Text(synchronized, output) + error);
            Assert.False(run.IsCompleted, "serve ended: " + Text(synchronized, output) + error);

            Assert.NotEmpty(await TablesAsync(url));
            Assert.False(File.Exists(Path.Combine(sqlite, "flotilla.db")), "no SQLite database beside");
            // Which state directory's journals go into the database is said at start.
            await Eventually.WaitAsync(
                () => Task.FromResult(Text(synchronized, output).Contains($"flotilla serve: run journals in {data.Path}, kept in the database too", StringComparison.Ordinal)),
                () => Text(synchronized, output) + error);
        }
        finally
        {
            await stop.CancelAsync();
            await run;
        }
    }

    [Fact]
    public async Task Hosts_add_with_a_database_file_writes_to_the_database_the_url_names()
    {
        using var data = new TempDirectory();
        var url = await fixture.Cluster.CreateDatabaseAsync();
        var file = data.Write("database-url", url);

        var viaFile = await RunAsync(data.Path, "hosts", "add", "web1", "--database-file", file);
        var viaUrl = await RunAsync(data.Path, "hosts", "add", "web1", "--database", url);

        Assert.True(viaFile.Code == 0, viaFile.Error);
        Assert.Equal(2, viaUrl.Code);
        Assert.Contains("host web1 exists", viaUrl.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Both_database_options_at_once_are_refused()
    {
        using var data = new TempDirectory();
        var file = data.Write("database-url", "postgres://nobody@127.0.0.1:1/none");

        var result = await RunAsync(data.Path, "serve", "--urls", "http://127.0.0.1:0", "--data-dir", data.Path, "--database", "postgres://nobody@127.0.0.1:1/none", "--database-file", file);

        Assert.Equal(2, result.Code);
        Assert.Equal("flotilla: --database and --database-file both name the database; give one of them", result.Error.Trim());
    }

    [Fact]
    public async Task An_empty_or_missing_database_file_stops_serve_naming_the_file()
    {
        using var data = new TempDirectory();
        var empty = data.Write("empty", "\n");
        var missing = Path.Combine(data.Path, "missing");

        var fromEmpty = await RunAsync(data.Path, "serve", "--urls", "http://127.0.0.1:0", "--data-dir", data.Path, "--database-file", empty);
        var fromMissing = await RunAsync(data.Path, "serve", "--urls", "http://127.0.0.1:0", "--data-dir", data.Path, "--database-file", "missing");

        Assert.Equal(2, fromEmpty.Code);
        Assert.Equal($"flotilla: the database file {empty} is empty; write the PostgreSQL URL in it (postgres://USER:PASSWORD@HOST[:PORT]/DB)", fromEmpty.Error.Trim());
        Assert.Equal(2, fromMissing.Code);
        Assert.StartsWith($"flotilla: cannot read the database file {missing}: ", fromMissing.Error, StringComparison.Ordinal);
    }

    private static string Text(TextWriter synchronized, StringWriter output)
    {
        lock (synchronized)
        {
            return output.ToString();
        }
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(string directory, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await FlotillaCli.RunAsync(args, output, error, directory);
        return (code, output.ToString(), error.ToString());
    }

    private static async Task<List<string>> TablesAsync(string url)
    {
        await using var connection = new NpgsqlConnection(Flotilla.ControlPlane.Store.ControlPlaneStores.PostgresConnectionString(url));
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'";
        await using var reader = await command.ExecuteReaderAsync();
        var tables = new List<string>();
        while (await reader.ReadAsync())
        {
            tables.Add(reader.GetString(0));
        }

        return tables;
    }
}
