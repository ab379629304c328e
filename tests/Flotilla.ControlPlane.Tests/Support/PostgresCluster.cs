using System.Net;
using System.Net.Sockets;
using Flotilla.Processes;
using Npgsql;

namespace Flotilla.Tests.Support;

/// <summary>
/// A private, throwaway PostgreSQL cluster from Debian's packages (scripts/setup.sh installs
/// them): initdb into a temporary directory, a server on a free loopback port and a private
/// unix socket directory, run as the <c>postgres</c> user when the tests run as root; stopped
/// and deleted on dispose. When it cannot start, the tests that need it fail (never skip).
/// </summary>
public sealed class PostgresCluster : IAsyncDisposable
{
    private readonly string _root;
    private readonly string _bin;
    private readonly string? _runAs;
    private int _databases;

    private PostgresCluster(string root, string bin, string? runAs, int port)
    {
        _root = root;
        _bin = bin;
        _runAs = runAs;
        Port = port;
    }

    public int Port { get; }

    public string SocketDirectory => Path.Combine(_root, "socket");

    private string DataDirectory => Path.Combine(_root, "data");

    public static async Task<PostgresCluster> StartAsync()
    {
        var bin = FindBin();
        var runAs = Environment.UserName == "root" ? "postgres" : null;
        var root = Path.Combine(Path.GetTempPath(), "flotilla-pg-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(root);
        Directory.CreateDirectory(Path.Combine(root, "socket"));
        var cluster = new PostgresCluster(root, bin, runAs, FreePort());
        try
        {
            if (runAs is not null)
            {
                await MustAsync("chown", ["-R", runAs, root]);
            }

            await cluster.RunAsync("initdb", ["-D", cluster.DataDirectory, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8", "--locale=C"]);
            await cluster.RunAsync("pg_ctl", [
                "-D", cluster.DataDirectory, "-l", Path.Combine(root, "server.log"), "-w", "-t", "60",
                "-o", $"-p {cluster.Port} -k {cluster.SocketDirectory} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200",
                "start"]);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>A new empty database; its <c>postgres://</c> URL.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = $"t{Interlocked.Increment(ref _databases)}_{Guid.NewGuid().ToString("N")[..8]}";
        await using var connection = new NpgsqlConnection($"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres;Pooling=false");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"CREATE DATABASE {name}";
        await command.ExecuteNonQueryAsync();
        return $"postgres://postgres@127.0.0.1:{Port}/{name}";
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (File.Exists(Path.Combine(DataDirectory, "postmaster.pid")))
            {
                await RunAsync("pg_ctl", ["-D", DataDirectory, "-m", "immediate", "-w", "stop"]);
            }
        }
        finally
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    private async Task RunAsync(string program, string[] arguments)
    {
        var path = Path.Combine(_bin, program);
        if (_runAs is null)
        {
            await MustAsync(path, arguments);
        }
        else
        {
            await MustAsync("runuser", ["-u", _runAs, "--", path, .. arguments]);
        }
    }

    private static async Task MustAsync(string program, string[] arguments)
    {
        var result = await ProcessRunner.RunAsync(program, arguments);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited {result.ExitCode}: {result.StandardError}{result.StandardOutput}");
        }
    }

    private static string FindBin()
    {
        // Debian's layout: /usr/lib/postgresql/<major>/bin; the newest installed one.
        const string Lib = "/usr/lib/postgresql";
        var bin = Directory.Exists(Lib)
            ? Directory.EnumerateDirectories(Lib)
                .Select(d => Path.Combine(d, "bin"))
                .Where(d => File.Exists(Path.Combine(d, "initdb")))
                .OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var v) ? v : 0)
                .FirstOrDefault()
            : null;
        return bin ?? throw new InvalidOperationException($"PostgreSQL's initdb was not found under {Lib}/<version>/bin: run scripts/setup.sh (it installs Debian's postgresql package)");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>One cluster for every test of the "postgres" collection, stopped after the last.</summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    private PostgresCluster? _cluster;

    public PostgresCluster Cluster => _cluster ?? throw new InvalidOperationException("the PostgreSQL cluster did not start");

    public async Task InitializeAsync() => _cluster = await PostgresCluster.StartAsync();

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresFixture>
{
    public const string Name = "postgres";
}
