using System.Globalization;
using System.Text.Json.Nodes;
using Flotilla.Execution;
using Flotilla.Inventory;
using Flotilla.Lab;

namespace Flotilla.Bench;

/// <summary>
/// <c>containers</c>: a lab of <c>--hosts</c> hosts (8) with 6 container services each (two
/// chains of three: <c>app1 -> app2 -> app3</c>, <c>web1 -> web2 -> web3</c>, each with an HTTP
/// health check), its images in the lab's registry. With every host's containers and images
/// removed first, (a) the built <c>flotilla deploy</c> brings all of them up (pull, activate,
/// each container gated in its order, verify); (b) the critical path of that run, from its
/// journal; then, removed again, (c) a sequential loop over the same containers in the same order:
/// per container, over ssh, <c>podman pull IMAGE &amp;&amp; podman run -d ...</c> with the same
/// arguments, then the same health check polled until it answers 200. Prints times and ratios.
/// </summary>
internal static class ContainersBenchmark
{
    private static readonly string[] Names = ["app1", "app2", "app3", "web1", "web2", "web3"];

    public static async Task<int> RunAsync(BenchOptions options, CancellationToken cancellationToken)
    {
        var hosts = options.Hosts ?? 8;
        var work = Directory.CreateTempSubdirectory("flotilla-bench-containers-");
        try
        {
            var inventoryFile = Path.Combine(work.FullName, "flotilla.json");
            await File.WriteAllTextAsync(inventoryFile, Inventory(hosts), cancellationToken).ConfigureAwait(false);
            var fleet = await InventoryLoader.LoadAsync(inventoryFile, cancellationToken).ConfigureAwait(false);
            return await LabSession.RunAsync(
                new LabOptions { Name = "bench-containers", Fleet = fleet },
                lab => MeasureAsync(lab, fleet, options, hosts, work.FullName, cancellationToken),
                cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    private static string Host(int n) => $"h{n + 1}";

    private static int Port(int i) => 8081 + i;

    /// <summary>Each host runs the six services as containers; names are per host (<c>h1-app1</c>), images shared by name.</summary>
    private static string Inventory(int hosts)
    {
        var hostsJson = new JsonObject();
        var services = new JsonObject();
        for (var h = 0; h < hosts; h++)
        {
            hostsJson[Host(h)] = new JsonObject { ["target"] = $"10.1.0.{h + 1}" };
            for (var i = 0; i < Names.Length; i++)
            {
                var service = new JsonObject
                {
                    ["host"] = Host(h),
                    ["healthChecks"] = new JsonArray(new JsonObject { ["type"] = "http", ["url"] = $"http://localhost:{Port(i).ToString(CultureInfo.InvariantCulture)}/health" }),
                    ["container"] = new JsonObject
                    {
                        ["image"] = $"ghcr.io/flotilla-bench/{Names[i]}:1",
                        ["ports"] = new JsonArray($"{Port(i).ToString(CultureInfo.InvariantCulture)}:{Port(i).ToString(CultureInfo.InvariantCulture)}"),
                    },
                };
                if (i % 3 != 0)
                {
                    service["dependsOn"] = new JsonArray($"{Host(h)}-{Names[i - 1]}");
                }

                services[$"{Host(h)}-{Names[i]}"] = service;
            }
        }

        return new JsonObject { ["version"] = 1, ["hosts"] = hostsJson, ["services"] = services }.ToJsonString();
    }

    private static async Task<int> MeasureAsync(Lab.Lab lab, Fleet source, BenchOptions options, int hostCount, string work, CancellationToken cancellationToken)
    {
        var hosts = Enumerable.Range(0, hostCount).Select(Host).ToList();
        var inventory = lab.InventoryDirectory;

        // a. flotilla deploy of a new configuration, from hosts with no containers and no images.
        await ResetAsync(lab, hosts, cancellationToken).ConfigureAwait(false);
        await NewVersionAsync(lab, hosts, "2", cancellationToken).ConfigureAwait(false);
        var state = Path.Combine(work, "state");
        string[] deployArgs = ["deploy", "-f", inventory, "--json", "--substituters", "", "--state-dir", state, .. options.Parallel is { } p ? ["--parallel", p.ToString(CultureInfo.InvariantCulture)] : Array.Empty<string>()];
        Console.WriteLine($"a. dotnet {options.CliPath} {string.Join(' ', deployArgs.Select(a => a.Length == 0 ? "\"\"" : a))}");
        var launched = TimeProvider.System.GetUtcNow();
        var deploy = await Timed.RunAsync("dotnet", [options.CliPath, .. deployArgs], cancellationToken: cancellationToken).ConfigureAwait(false);
        if (deploy.Result.ExitCode != 0)
        {
            throw new InvalidOperationException($"bench: flotilla deploy exited with {deploy.Result.ExitCode}: {deploy.Result.StandardError}");
        }

        await ExpectAllHealthyAsync(lab, hosts, cancellationToken).ConfigureAwait(false);

        // b. Its critical path.
        var runDirectory = Directory.GetDirectories(Path.Combine(state, "runs")).Single();
        var path = await CriticalPath.ReadAsync(runDirectory, cancellationToken).ConfigureAwait(false);
        var beforeSteps = path.FirstStart - launched;
        var lowerBound = beforeSteps + path.Length;

        // c. The sequential loop over the same containers, in the same order, with the same arguments.
        await ResetAsync(lab, hosts, cancellationToken).ConfigureAwait(false);
        var pullRun = TimeSpan.Zero;
        var wait = TimeSpan.Zero;
        foreach (var host in hosts)
        {
            var address = lab.GetHost(host).Address;
            for (var i = 0; i < Names.Length; i++)
            {
                var service = source.Services.Single(s => s.Name == $"{host}-{Names[i]}");
                var run = ContainerRun.Arguments(ContainerRun.NameOf(service), service.Container!, "k8s-file").ToList();
                run.Insert(1, "-d");
                var command = $"podman pull -q {RemoteShell.Quote(service.Container!.Image)} >/dev/null && podman {RemoteShell.Join(run)} >/dev/null";
                var started = await Timed.RunAsync("ssh", ["-o", "BatchMode=yes", "root@" + address, command], cancellationToken: cancellationToken).ConfigureAwait(false);
                if (started.Result.ExitCode != 0)
                {
                    throw new InvalidOperationException($"bench: the loop's pull && run of {service.Name} failed: {started.Result.StandardError}");
                }

                pullRun += started.Elapsed;
                var healthy = TimeProvider.System.GetUtcNow();
                await WaitHealthyAsync(address, Port(i), cancellationToken).ConfigureAwait(false);
                wait += TimeProvider.System.GetUtcNow() - healthy;
            }
        }

        var loop = pullRun + wait;
        var containers = hostCount * Names.Length;
        Console.WriteLine();
        Console.WriteLine($"containers benchmark: {hostCount} lab hosts x {Names.Length} containers ({containers}), two dependency chains of 3 per host, images from the lab's registry (removed from every host before each approach), real podman with runc");
        Console.WriteLine($"a. flotilla deploy (built CLI; a new configuration: build, copy, pull, keys, activate, each container gated, verify): {S(deploy.Elapsed)}");
        Console.WriteLine($"b. critical path of that run: {S(lowerBound)} = launch -> first step {S(beforeSteps)} + longest step path {S(path.Length)}");
        Console.WriteLine($"       {string.Join(" -> ", path.Steps.Select(s => $"{s.Step} {s.Duration.TotalSeconds:F2}"))}");
        Console.WriteLine($"c. sequential loop (per container: ssh podman pull && podman run -d, then its health check polled until 200): {S(loop)} = pull && run {S(pullRun)} + health waits {S(wait)}");
        Console.WriteLine();
        Ratio("sequential loop / deploy (speed-up)", loop / deploy.Elapsed, ">= 4", loop / deploy.Elapsed >= 4);
        Ratio("deploy / critical path", deploy.Elapsed / lowerBound, "<= 1.25", deploy.Elapsed / lowerBound <= 1.25);
        return 0;
    }

    private static string S(TimeSpan time) => time.TotalSeconds.ToString("F2", CultureInfo.InvariantCulture) + " s";

    private static void Ratio(string what, double ratio, string target, bool met) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {what}: {ratio:F2} (target {target}: {(met ? "met" : "MISSED")})"));

    /// <summary>No container and no image on any host, and every podman unit stopped first.</summary>
    private static async Task ResetAsync(Lab.Lab lab, IEnumerable<string> hosts, CancellationToken cancellationToken)
    {
        await Task.WhenAll(hosts.Select(async host =>
        {
            var address = lab.GetHost(host).Address;
            var units = string.Join(' ', Names.Select(n => $"podman-{host}-{n}"));
            await Timed.RunAsync("ssh", ["-o", "BatchMode=yes", "root@" + address, $"systemctl stop {units} >/dev/null 2>&1; podman rm -af -t 0 >/dev/null 2>&1; podman rmi -af >/dev/null 2>&1; true"], cancellationToken: cancellationToken).ConfigureAwait(false);
        })).ConfigureAwait(false);
    }

    /// <summary>A new configuration version for every host, so the deploy has new systems (and new container units) to activate.</summary>
    private static async Task NewVersionAsync(Lab.Lab lab, IEnumerable<string> hosts, string version, CancellationToken cancellationToken)
    {
        foreach (var host in hosts)
        {
            var file = lab.HostConfigurationPath(host);
            var config = JsonNode.Parse(await File.ReadAllTextAsync(file, cancellationToken).ConfigureAwait(false))!;
            config["version"] = version;
            await File.WriteAllTextAsync(file, config.ToJsonString(), cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task ExpectAllHealthyAsync(Lab.Lab lab, IEnumerable<string> hosts, CancellationToken cancellationToken)
    {
        foreach (var host in hosts)
        {
            for (var i = 0; i < Names.Length; i++)
            {
                await WaitHealthyAsync(lab.GetHost(host).Address, Port(i), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static readonly HttpClient Http = new(new HttpClientHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(2) };

    /// <summary>Polls every 50 ms, for 60 s at most.</summary>
    private static async Task WaitHealthyAsync(string address, int port, CancellationToken cancellationToken)
    {
        var uri = new Uri($"http://{address}:{port.ToString(CultureInfo.InvariantCulture)}/health");
        for (var attempt = 0; attempt < 1200; attempt++)
        {
            try
            {
                using var response = await Http.GetAsync(uri, cancellationToken).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }

            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }

        throw new InvalidOperationException($"bench: {uri} did not answer 200 within 60 s");
    }
}
