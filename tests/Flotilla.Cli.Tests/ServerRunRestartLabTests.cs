using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Flotilla.Contracts;
using Flotilla.Execution;
using Flotilla.Tests.Support;

namespace Flotilla.Tests;

/// <summary>
/// A run hosted by <c>flotilla serve</c> (started through <c>POST /api/runs</c>) when the server
/// is killed mid-run: started again, the server ends the run cleanly (its journal whole, the
/// interrupted step failed, the rest not run), and the host it could not confirm is back on its
/// previous system by its own watchdog.
/// </summary>
public sealed class ServerRunRestartLabTests
{
    // front depends on base; front's new system answers 500 for a while (slow health gate), so the run is mid-way when killed.
    private const string Inventory = """
        {
          "hosts": {
            "base":  { "target": "10.1.0.1", "healthChecks": [ { "type": "http", "url": "http://localhost:8080/health" } ] },
            "front": { "target": "10.1.0.2", "dependsOn": ["base"], "healthChecks": [ { "type": "http", "url": "http://localhost:8080/health", "interval": 2, "retries": 30 } ] }
          }
        }
        """;

    [LabFact]
    public async Task Killing_serve_mid_run_and_starting_it_again_ends_the_run_with_its_journal_whole_and_the_unconfirmed_host_rolls_back()
    {
        using var dir = new TempDirectory();
        await using var lab = await CliLab.UpAsync(dir.Path, "sr", dir.Write("flotilla.json", Inventory));
        var addresses = await lab.AddressesAsync();
        var data = Path.Combine(dir.Path, "data");
        var state = Path.Combine(dir.Path, "state");
        var created = await CliRunner.RunAsync(dir.Path, "tokens", "create-api", "ci", "--scope", "ops", "--data-dir", data);
        Assert.True(created.ExitCode == 0, created.Error);
        var token = created.Output.Trim().Split('\n')[^1];
        var port = FreePort();
        var url = $"http://127.0.0.1:{port}";
        string[] serve = ["serve", "--urls", url, "--no-dashboard", "--data-dir", data, "--state-dir", state, "-f", lab.Inventory, "--substituters", "", "--confirm-timeout", "15s"];
        CliLab.ConfigureAll(lab.Inventory, version: "2", unhealthy: "front");

        var log = new StringBuilder();
        var server = StartServe(serve, log);
        try
        {
            using var client = new ControlPlaneClient(new Uri(url + "/"), token);
            await WaitHealthyAsync(url, server, log);
            var runId = await client.StartRunAsync(new RunStartRequest("deploy"));
            var events = Path.Combine(RunJournal.RunsDirectory(state), runId, RunJournal.EventsFile);

            // Killed (SIGKILL, no chance to end anything) while front's health gate waits.
            await WaitForAsync(() => File.Exists(events) && File.ReadAllText(events).Contains("\"step\":\"verify:front\",\"kind\":\"verify\",\"state\":\"started\"", StringComparison.Ordinal), "verify:front to start", log);
            // A deploy from another machine's state directory, through the same server, is refused naming the hosted run.
            var tokenFile = dir.Write("ops-token", token);
            var other = await CliRunner.RunAsync(dir.Path, "deploy", "-f", lab.Inventory, "--on", "front", "--state-dir", Path.Combine(dir.Path, "laptop"), "--substituters", "", "--server", url, "--token-file", tokenFile);
            Assert.True(other.ExitCode == 4, other.Output + other.Error);
            Assert.Contains(runId, other.Error, StringComparison.Ordinal);
            Assert.Contains("the control plane " + url, other.Error, StringComparison.Ordinal);
            server.Kill(entireProcessTree: false);
            await server.WaitForExitAsync();
            var before = await File.ReadAllTextAsync(events);
            Assert.Null(await ResultAsync(state, runId));

            server.Dispose();
            server = StartServe(serve, log);
            await WaitHealthyAsync(url, server, log);

            // Ended on start: what was written is kept as it was; the interrupted step failed, saying why.
            var after = await File.ReadAllTextAsync(events);
            Assert.StartsWith(before, after, StringComparison.Ordinal);
            var added = after[before.Length..].Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
            var interrupted = Assert.Single(added, e => e.GetProperty("step").GetString() == "verify:front");
            Assert.Equal("failed", interrupted.GetProperty("state").GetString());
            Assert.Contains("flotilla serve stopped", interrupted.GetProperty("message").GetString(), StringComparison.Ordinal);
            Assert.NotNull(await ResultAsync(state, runId));
            var listed = Assert.Single(await client.RunsAsync(), r => r.Id == runId);
            Assert.Equal(("failed", "token:ci (api)"), (listed.Status, listed.StartedBy));
            Assert.True(listed.Succeeded >= 4, $"{listed.Succeeded} steps succeeded");

            // base was confirmed and stays; nobody confirmed front, and its watchdog put it back.
            Assert.Equal("system-2-link", await CliLab.ProfileAsync(addresses["base"]));
            await WaitForAsync(async () => await CliLab.ProfileAsync(addresses["front"]) == "system-1-link", "front's watchdog to roll it back", log, TimeSpan.FromSeconds(90));

            // The server runs again: a new run of base is taken and ends (nothing to change).
            var again = await client.StartRunAsync(new RunStartRequest("deploy", ["base"]));
            await WaitForAsync(async () => await ResultAsync(state, again) is not null, "the second run to end", log);
        }
        finally
        {
            if (!server.HasExited)
            {
                server.Kill(entireProcessTree: true);
                await server.WaitForExitAsync();
            }

            server.Dispose();
        }
    }

    private static async Task<string?> ResultAsync(string state, string runId)
    {
        var file = Path.Combine(RunJournal.RunsDirectory(state), runId, RunJournal.ResultFile);
        return File.Exists(file) ? await File.ReadAllTextAsync(file) : null;
    }

    private static Process StartServe(string[] args, StringBuilder log)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "flotilla.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start)!;
        void Log(string? line)
        {
            if (line is not null)
            {
                lock (log)
                {
                    log.AppendLine(line);
                }
            }
        }

        process.OutputDataReceived += (_, e) => Log(e.Data);
        process.ErrorDataReceived += (_, e) => Log(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task WaitHealthyAsync(string url, Process server, StringBuilder log)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        await WaitForAsync(
            async () =>
            {
                Assert.False(server.HasExited, "serve exited: " + log);
                try
                {
                    return (await http.GetAsync(url + "/healthz")).StatusCode == HttpStatusCode.OK;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
                catch (TaskCanceledException)
                {
                    return false;
                }
            },
            "serve to answer /healthz",
            log);
    }

    private static Task WaitForAsync(Func<bool> condition, string what, StringBuilder log) =>
        WaitForAsync(() => Task.FromResult(condition()), what, log);

    private static async Task WaitForAsync(Func<Task<bool>> condition, string what, StringBuilder log, TimeSpan? limit = null)
    {
        var started = Stopwatch.GetTimestamp();
        while (!await condition())
        {
            Assert.True(Stopwatch.GetElapsedTime(started) < (limit ?? TimeSpan.FromSeconds(120)), $"waited in vain for {what}\n{log}");
            await Task.Delay(100);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
