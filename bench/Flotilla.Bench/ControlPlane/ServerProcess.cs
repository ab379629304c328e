using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Flotilla.Processes;

namespace Flotilla.Bench.ControlPlane;

/// <summary>
/// The control plane server as a process of its own on a free loopback port: the built CLI's
/// <c>flotilla serve</c> (as a user runs it), or this program's <c>control-plane-server</c>
/// (the same <c>ControlPlaneServer</c> class, for before the CLI had <c>serve</c>). Its output
/// goes to a log file. Disposing stops it (SIGTERM, then SIGKILL after 15 s).
/// </summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Task _pumps;

    private ServerProcess(Process process, Task pumps, Uri url, string logPath)
    {
        _process = process;
        _pumps = pumps;
        Url = url;
        LogPath = logPath;
    }

    public Uri Url { get; }

    public string LogPath { get; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public string CommandLine { get; private init; } = "";

    /// <summary>Starts the server on SQLite in <paramref name="dataDirectory"/> or on <paramref name="database"/> (passed in FLOTILLA_DATABASE, not argv).</summary>
    public static Task<ServerProcess> StartAsync(ControlPlaneBenchOptions options, string? dataDirectory, string? database, string logPath, CancellationToken cancellationToken) =>
        StartAsync(options.CliPath, options.Server, options.PerfDirectory, options.ServerOpenFiles, [], dataDirectory, database, logPath, cancellationToken);

    /// <summary>
    /// Starts the server (<paramref name="server"/>: <c>cli</c> or <c>bench-host</c>) with
    /// <paramref name="extraArguments"/> after the usual ones; with <paramref name="openFiles"/>,
    /// under that open-file limit (soft and hard, set by util-linux's <c>prlimit</c>, which then
    /// runs the server in its place).
    /// </summary>
    public static async Task<ServerProcess> StartAsync(
        string cliPath,
        string server,
        string? perfDirectory,
        int? openFiles,
        IReadOnlyList<string> extraArguments,
        string? dataDirectory,
        string? database,
        string logPath,
        CancellationToken cancellationToken)
    {
        var port = FreePort();
        var url = new Uri($"http://127.0.0.1:{port}");
        var startInfo = new ProcessStartInfo(openFiles is null ? "dotnet" : "prlimit")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        List<string> arguments = server == "cli"
            ? [cliPath, "serve"]
            : [Path.Combine(AppContext.BaseDirectory, "Flotilla.Bench.dll"), "control-plane-server"];
        arguments.AddRange(["--urls", url.ToString().TrimEnd('/'), "--allow-commands"]);
        if (dataDirectory is not null)
        {
            arguments.AddRange(["--data-dir", dataDirectory]);
        }

        arguments.AddRange(extraArguments);
        if (openFiles is { } limit)
        {
            arguments.InsertRange(0, [string.Create(CultureInfo.InvariantCulture, $"--nofile={limit}:{limit}"), "--", "dotnet"]);
        }

        if (perfDirectory is not null)
        {
            // perf resolves JIT-compiled frames through /tmp/perf-PID.map; without W^X's double
            // mapping and with ReadyToRun code re-JIT-compiled, every managed frame is in it.
            startInfo.Environment["DOTNET_PerfMapEnabled"] = "1";
            startInfo.Environment["DOTNET_EnableWriteXorExecute"] = "0";
            startInfo.Environment["DOTNET_ReadyToRun"] = "0";
        }

        if (database is not null)
        {
            startInfo.Environment["FLOTILLA_DATABASE"] = database;
        }

        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        var process = Process.Start(startInfo) ?? throw new InvalidOperationException("bench: could not start dotnet");
        var log = new StreamWriter(logPath, append: false, Encoding.UTF8) { AutoFlush = true };
        var gate = new object();
        async Task PumpAsync(StreamReader reader)
        {
            while (await reader.ReadLineAsync(CancellationToken.None).ConfigureAwait(false) is { } line)
            {
                lock (gate)
                {
                    log.WriteLine(line);
                }
            }
        }

        var pumps = Task.WhenAll(PumpAsync(process.StandardOutput), PumpAsync(process.StandardError))
            .ContinueWith(_ => log.Dispose(), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        var started = new ServerProcess(process, pumps, url, logPath) { CommandLine = startInfo.FileName + " " + string.Join(' ', arguments) };
        try
        {
            await started.WaitHealthyAsync(cancellationToken).ConfigureAwait(false);
            return started;
        }
        catch
        {
            await started.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task WaitHealthyAsync(CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (_process.HasExited)
            {
                await _pumps.ConfigureAwait(false);
                throw new InvalidOperationException($"bench: the server exited {_process.ExitCode} before it was healthy; its log: {LogPath}\n{Tail()}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri(Url, "/healthz"), cancellationToken).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
            }

            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }

        throw new InvalidOperationException($"bench: the server did not answer /healthz within 60 s; its log: {LogPath}\n{Tail()}");
    }

    public string Tail()
    {
        try
        {
            var lines = File.ReadAllLines(LogPath);
            return string.Join('\n', lines.TakeLast(30));
        }
        catch (IOException)
        {
            return "";
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            await ProcessRunner.RunAsync("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]).ConfigureAwait(false);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            try
            {
                await _process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }

        await _pumps.ConfigureAwait(false);
        _process.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
