using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Text.RegularExpressions;
using Flotilla.ControlPlane;
using Flotilla.ControlPlane.Store;
using Flotilla.Contracts;
using Flotilla.Security;

namespace Flotilla.Bench.ControlPlane;

/// <summary>
/// <c>event-stream</c>: how fast the server sends a long stored output over its two Server-Sent
/// Events streams, the API's <c>/api/commands/{id}/stream</c> and the dashboard's
/// <c>/events/commands/{id}</c>, to a reader that reads as fast as it can. One ended command with
/// <c>--lines N</c> (200,000) lines of <c>--line-bytes</c> (120) is put in each server's SQLite
/// store; each <c>--cli PATH</c> (repeatable: the first is the baseline; default the built CLI)
/// runs its own <c>serve</c>, and the rounds (<c>--rounds</c>, 5) alternate between them so that
/// the machine's load falls on all alike. Per stream: the wall time to read it to its
/// <c>end</c> and the server's CPU seconds meanwhile (medians), then, in one more read under
/// <c>strace -c</c>, the server's write system calls (a server that writes in small pieces shows
/// in it); each CLI's ratio to the first.
/// </summary>
internal static partial class EventStreamBenchmark
{
    private const string Password = "a long enough bench password";

    public static async Task<int> MainAsync(IEnumerable<string> args, CancellationToken cancellationToken)
    {
        var clis = new List<string>();
        var lines = 200_000;
        var lineBytes = 120;
        var rounds = 5;
        var list = args.ToList();
        for (var i = 0; i < list.Count; i += 2)
        {
            var value = i + 1 < list.Count ? list[i + 1] : null;
            if (value is null)
            {
                Console.Error.WriteLine($"bench event-stream: {list[i]} needs a value");
                return 2;
            }

            switch (list[i])
            {
                case "--cli": clis.Add(Path.GetFullPath(value)); break;
                case "--lines": lines = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--line-bytes": lineBytes = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--rounds": rounds = int.Parse(value, CultureInfo.InvariantCulture); break;
                default:
                    Console.Error.WriteLine($"bench event-stream: unknown option \"{list[i]}\"; options: --cli PATH (repeatable), --lines N, --line-bytes N, --rounds N");
                    return 2;
            }
        }

        if (clis.Count == 0)
        {
            clis.Add(Path.GetFullPath(BenchOptions.DefaultCliPath));
        }

        foreach (var cli in clis.Where(c => !File.Exists(c)))
        {
            Console.Error.WriteLine($"bench: the CLI {cli} is not built; run ./flotilla --version (bench/run.sh does)");
            return 1;
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"event-stream benchmark: {lines} stored lines of {lineBytes} bytes read over the API's and the dashboard's stream, {rounds} rounds; {Environment.ProcessorCount} cores, load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}"));
        var work = Directory.CreateTempSubdirectory("flotilla-bench-sse-");
        var servers = new List<Served>();
        try
        {
            for (var i = 0; i < clis.Count; i++)
            {
                servers.Add(await ServeAsync(clis[i], Path.Combine(work.FullName, i.ToString(CultureInfo.InvariantCulture)), lines, lineBytes, cancellationToken).ConfigureAwait(false));
            }

            // One round unmeasured: JIT and the store's page cache.
            foreach (var served in servers)
            {
                await ReadAsync(served, served.Api, "/api/commands/c1/stream", "output", lines, cancellationToken).ConfigureAwait(false);
                await ReadAsync(served, served.Session, "/events/commands/c1", "line", lines, cancellationToken).ConfigureAwait(false);
            }

            for (var round = 0; round < rounds; round++)
            {
                foreach (var served in servers)
                {
                    served.ApiReads.Add(await ReadAsync(served, served.Api, "/api/commands/c1/stream", "output", lines, cancellationToken).ConfigureAwait(false));
                    served.DashboardReads.Add(await ReadAsync(served, served.Session, "/events/commands/c1", "line", lines, cancellationToken).ConfigureAwait(false));
                }
            }

            // Then once more each under strace (slower, so not timed): the server's socket writes.
            foreach (var served in servers)
            {
                served.ApiWrites = await CountWritesAsync(served, work.FullName, () => ReadAsync(served, served.Api, "/api/commands/c1/stream", "output", lines, cancellationToken), cancellationToken).ConfigureAwait(false);
                served.DashboardWrites = await CountWritesAsync(served, work.FullName, () => ReadAsync(served, served.Session, "/events/commands/c1", "line", lines, cancellationToken), cancellationToken).ConfigureAwait(false);
            }

            Print(servers);
            return 0;
        }
        finally
        {
            foreach (var served in servers)
            {
                await served.DisposeAsync().ConfigureAwait(false);
            }

            work.Delete(recursive: true);
        }
    }

    private static async Task<Served> ServeAsync(string cli, string directory, int lines, int lineBytes, CancellationToken cancellationToken)
    {
        var data = Path.Combine(directory, "data");
        Directory.CreateDirectory(data);
        var apiToken = Tokens.NewApiToken();
        var store = await ControlPlaneStores.OpenAsync(data, null, cancellationToken).ConfigureAwait(false);
        await using (store.ConfigureAwait(false))
        {
            var now = TimeProvider.System.GetUtcNow();
            await store.SetHostTokenAsync("web1", Tokens.Hash(Tokens.NewHostToken()), now, replace: false, cancellationToken).ConfigureAwait(false);
            await store.AddApiTokenAsync("bench", Tokens.Hash(apiToken), now, Flotilla.ControlPlane.Auth.ApiTokenScope.Read, cancellationToken).ConfigureAwait(false);
            await store.InsertCommandsAsync([new CommandRecord("c1", "b1", "web1", Ops.Exec, ["seq", "1", lines.ToString(CultureInfo.InvariantCulture)], CommandState.Succeeded, 0, now, now, now, now.AddHours(1), TimeSpan.FromHours(1), null, "bench")], cancellationToken).ConfigureAwait(false);
            for (var first = 1; first <= lines; first += 10_000)
            {
                var batch = Enumerable.Range(first, Math.Min(10_000, lines - first + 1))
                    .Select(n => new OutputLine("c1", n, OutputStream.Stdout, Text(n, lineBytes), now) { Seq = n })
                    .ToList();
                await store.ApplyAsync(new StoreBatch(batch, [], [], []), cancellationToken).ConfigureAwait(false);
            }
        }

        var totp = TotpSecret.Generate();
        var credentials = Path.Combine(directory, "credentials.env");
        await File.WriteAllTextAsync(credentials, $"""
            FLOTILLA_PASSWORD_HASH='{PasswordHash.Create(Password, PasswordHashAlgorithm.Bcrypt, cost: 4).Value}'
            FLOTILLA_TOTP_SECRET={totp.Base32Text}
            FLOTILLA_SESSION_SECRET={Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32))}

            """, cancellationToken).ConfigureAwait(false);
        var server = await ServerProcess.StartAsync(cli, "cli", null, null, ["--credentials-file", credentials, "--state-dir", directory], data, null, Path.Combine(directory, "server.log"), cancellationToken).ConfigureAwait(false);
        var api = new HttpClient { BaseAddress = server.Url, Timeout = TimeSpan.FromMinutes(10) };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiToken);
        var session = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() }) { BaseAddress = server.Url, Timeout = TimeSpan.FromMinutes(10) };
        var page = await session.GetStringAsync("/login", cancellationToken).ConfigureAwait(false);
        var code = Totp.Code(totp, Totp.Step(TimeProvider.System.GetUtcNow(), TotpOptions.Default), TotpOptions.Default);
        using var login = await session.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Password"] = Password,
            ["Code"] = code,
            ["__csrf"] = CsrfField().Match(page).Groups[1].Value,
        }), cancellationToken).ConfigureAwait(false);
        if (login.StatusCode != HttpStatusCode.Found)
        {
            throw new InvalidOperationException($"bench: the dashboard login of {cli} answered {(int)login.StatusCode}");
        }

        return new Served(cli, server, api, session);
    }

    private static string Text(int line, int bytes)
    {
        var head = string.Create(CultureInfo.InvariantCulture, $"line {line} ");
        return head + new string((char)('a' + (line % 26)), Math.Max(0, bytes - head.Length));
    }

    /// <summary>Reads a stream to its <c>end</c> as fast as it comes; checks that every line came.</summary>
    private static async Task<StreamRead> ReadAsync(Served served, HttpClient http, string path, string lineEvent, int lines, CancellationToken cancellationToken)
    {
        var cpu = ProcStats.CpuSeconds(served.Server.Pid);
        var clock = Stopwatch.StartNew();
        using var response = await http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        var count = 0;
        var ended = false;
        await foreach (var item in SseParser.Create(body).EnumerateAsync(cancellationToken).ConfigureAwait(false))
        {
            if (item.EventType == lineEvent)
            {
                count++;
            }
            else if (item.EventType == "end")
            {
                ended = true;
                break;
            }
        }

        var seconds = clock.Elapsed.TotalSeconds;
        if (count != lines || !ended)
        {
            throw new InvalidOperationException($"bench: {served.Cli} {path} sent {count} of {lines} lines{(ended ? "" : " and no end")}");
        }

        return new StreamRead(seconds, ProcStats.CpuSeconds(served.Server.Pid) - cpu);
    }

    /// <summary>
    /// The write system calls (write, writev, send, sendto, sendmsg) of the server's threads while
    /// <paramref name="read"/> runs, counted by <c>strace -f -c</c>; -1 without strace.
    /// </summary>
    private static async Task<long> CountWritesAsync(Served served, string work, Func<Task<StreamRead>> read, CancellationToken cancellationToken)
    {
        var summary = Path.Combine(work, "strace.txt");
        var startInfo = new ProcessStartInfo("strace") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in new[] { "-f", "-c", "-e", "trace=write,writev,send,sendto,sendmsg", "-o", summary, "-p", served.Server.Pid.ToString(CultureInfo.InvariantCulture) })
        {
            startInfo.ArgumentList.Add(argument);
        }

        Process? strace;
        try
        {
            strace = Process.Start(startInfo);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return -1;
        }

        if (strace is null)
        {
            return -1;
        }

        using (strace)
        {
            // strace says "Process N attached" on stderr once per thread it took.
            await Task.Delay(1000, cancellationToken).ConfigureAwait(false);
            await read().ConfigureAwait(false);
            await Flotilla.Processes.ProcessRunner.RunAsync("kill", ["-INT", strace.Id.ToString(CultureInfo.InvariantCulture)], cancellationToken: cancellationToken).ConfigureAwait(false);
            await strace.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }

        // The summary's rows: % time, seconds, usecs/call, calls, [errors,] syscall; "total" last.
        var total = File.ReadLines(summary).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).FirstOrDefault(f => f.Length >= 5 && f[^1] == "total");
        return total is null ? 0 : long.Parse(total[3], CultureInfo.InvariantCulture);
    }

    private static void Print(List<Served> servers)
    {
        static double Median(IEnumerable<double> values)
        {
            var sorted = values.Order().ToArray();
            return sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
        }

        string Row(string label, Func<Served, double> value, string format, bool ratio)
        {
            var baseline = value(servers[0]);
            return $"| {label} | " + string.Join(" | ", servers.Select((s, i) => value(s).ToString(format, CultureInfo.InvariantCulture)
                + (ratio && i > 0 ? string.Create(CultureInfo.InvariantCulture, $" (x{value(s) / baseline:F2})") : ""))) + " |";
        }

        Console.WriteLine();
        Console.WriteLine("| median of the rounds | " + string.Join(" | ", servers.Select(s => s.Cli)) + " |");
        Console.WriteLine("| --- |" + string.Concat(servers.Select(_ => " --- |")));
        Console.WriteLine(Row("API stream: seconds to end", s => Median(s.ApiReads.Select(r => r.Seconds)), "F3", ratio: true));
        Console.WriteLine(Row("API stream: server CPU seconds", s => Median(s.ApiReads.Select(r => r.CpuSeconds)), "F2", ratio: true));
        Console.WriteLine(Row("API stream: server's write system calls (strace, one read)", s => s.ApiWrites, "F0", ratio: true));
        Console.WriteLine(Row("dashboard stream: seconds to end", s => Median(s.DashboardReads.Select(r => r.Seconds)), "F3", ratio: true));
        Console.WriteLine(Row("dashboard stream: server CPU seconds", s => Median(s.DashboardReads.Select(r => r.CpuSeconds)), "F2", ratio: true));
        Console.WriteLine(Row("dashboard stream: server's write system calls (strace, one read)", s => s.DashboardWrites, "F0", ratio: true));
    }

    [GeneratedRegex("name=\"__csrf\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex CsrfField();

    private sealed record StreamRead(double Seconds, double CpuSeconds);

    private sealed class Served(string cli, ServerProcess server, HttpClient api, HttpClient session) : IAsyncDisposable
    {
        public string Cli { get; } = cli;

        public ServerProcess Server { get; } = server;

        public HttpClient Api { get; } = api;

        public HttpClient Session { get; } = session;

        public List<StreamRead> ApiReads { get; } = [];

        public List<StreamRead> DashboardReads { get; } = [];

        public long ApiWrites { get; set; }

        public long DashboardWrites { get; set; }

        public async ValueTask DisposeAsync()
        {
            Api.Dispose();
            Session.Dispose();
            await Server.DisposeAsync().ConfigureAwait(false);
        }
    }
}
