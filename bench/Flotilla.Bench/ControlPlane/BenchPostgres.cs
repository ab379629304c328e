using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Flotilla.Processes;
using Npgsql;

namespace Flotilla.Bench.ControlPlane;

/// <summary>
/// A throwaway PostgreSQL cluster from Debian's packages, as the control plane's tests make one:
/// initdb into a temporary directory, a server on a free loopback port with a private socket
/// directory, run as the <c>postgres</c> user when we are root. Unlike the tests' cluster it keeps
/// PostgreSQL's durable defaults (fsync and synchronous_commit on): the benchmark measures what a
/// user's server does. max_connections is 200 (the server's Npgsql pool may open 100). Stopped and
/// deleted on dispose.
/// </summary>
internal sealed class BenchPostgres : IAsyncDisposable
{
    private readonly string _root;
    private readonly string _bin;
    private readonly string? _runAs;

    private BenchPostgres(string root, string bin, string? runAs, int port)
    {
        _root = root;
        _bin = bin;
        _runAs = runAs;
        Port = port;
    }

    public int Port { get; }

    public string Version => Path.GetFileName(Path.GetDirectoryName(_bin)) ?? "";

    public string DataDirectory => Path.Combine(_root, "data");

    /// <summary>The postmaster's process id (its backends are its children).</summary>
    public int PostmasterPid =>
        int.Parse(File.ReadLines(Path.Combine(DataDirectory, "postmaster.pid")).First(), CultureInfo.InvariantCulture);

    public static async Task<BenchPostgres> StartAsync(CancellationToken cancellationToken)
    {
        var bin = FindBin();
        var runAs = Environment.UserName == "root" ? "postgres" : null;
        var root = Path.Combine(Path.GetTempPath(), "flotilla-bench-pg-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path.Combine(root, "socket"));
        var cluster = new BenchPostgres(root, bin, runAs, FreePort());
        try
        {
            if (runAs is not null)
            {
                await MustAsync("chown", ["-R", runAs, root], cancellationToken).ConfigureAwait(false);
            }

            await cluster.RunAsync("initdb", ["-D", cluster.DataDirectory, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C"], cancellationToken).ConfigureAwait(false);
            await cluster.RunAsync("pg_ctl", [
                "-D", cluster.DataDirectory, "-l", Path.Combine(root, "server.log"), "-w", "-t", "60",
                "-o", $"-p {cluster.Port} -k {Path.Combine(root, "socket")} -c listen_addresses=127.0.0.1 -c max_connections=200",
                "start"], cancellationToken).ConfigureAwait(false);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Creates an empty database and returns its <c>postgres://</c> URL.</summary>
    public async Task<string> CreateDatabaseAsync(string name, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection($"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres;Pooling=false");
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = $"CREATE DATABASE {name}";
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return $"postgres://postgres@127.0.0.1:{Port}/{name}";
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (File.Exists(Path.Combine(DataDirectory, "postmaster.pid")))
            {
                await RunAsync("pg_ctl", ["-D", DataDirectory, "-m", "immediate", "-w", "stop"], CancellationToken.None).ConfigureAwait(false);
            }
        }
        finally
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    private Task RunAsync(string program, string[] arguments, CancellationToken cancellationToken)
    {
        var path = Path.Combine(_bin, program);
        return _runAs is null
            ? MustAsync(path, arguments, cancellationToken)
            : MustAsync("runuser", ["-u", _runAs, "--", path, .. arguments], cancellationToken);
    }

    private static async Task MustAsync(string program, string[] arguments, CancellationToken cancellationToken)
    {
        var result = await ProcessRunner.RunAsync(program, arguments, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"bench: {program} {string.Join(' ', arguments)} exited {result.ExitCode}: {result.StandardError}{result.StandardOutput}");
        }
    }

    private static string FindBin()
    {
        const string Lib = "/usr/lib/postgresql";
        var bin = Directory.Exists(Lib)
            ? Directory.EnumerateDirectories(Lib)
                .Select(d => Path.Combine(d, "bin"))
                .Where(d => File.Exists(Path.Combine(d, "initdb")))
                .OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var v) ? v : 0)
                .FirstOrDefault()
            : null;
        return bin ?? throw new InvalidOperationException($"bench: PostgreSQL's initdb was not found under {Lib}/<version>/bin: run scripts/setup.sh (it installs Debian's postgresql package)");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
