using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Flotilla.Inventory;
using Flotilla.Lab;

namespace Flotilla.Bench;

/// <summary>
/// <c>deploy</c>: a lab of <c>--chains</c> dependency chains of <c>--chain-length</c> hosts (default 4 x 4); every host gets a new
/// configuration and is deployed by the built <c>flotilla deploy</c>; the run's critical path is
/// read from its own journal; then every host gets yet another configuration and a sequential
/// shell-style loop (one nix build, then per host nix copy + nix-env --set + switch) does the same
/// work. Prints the times and the ratios.
/// </summary>
internal static class DeployBenchmark
{
    private const string Nix = "nix";

    public static async Task<int> RunAsync(BenchOptions options, CancellationToken cancellationToken)
    {
        var work = Directory.CreateTempSubdirectory("flotilla-bench-deploy-");
        try
        {
            var inventoryFile = Path.Combine(work.FullName, "flotilla.json");
            await File.WriteAllTextAsync(inventoryFile, Inventory(options.Chains, options.ChainLength), cancellationToken).ConfigureAwait(false);
            var fleet = await InventoryLoader.LoadAsync(inventoryFile, cancellationToken).ConfigureAwait(false);
            return await LabSession.RunAsync(
                new LabOptions { Name = "bench-deploy", Fleet = fleet },
                lab => MeasureAsync(lab, options, work.FullName, cancellationToken),
                cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    private static string HostName(int chain, int link) => $"c{chain + 1}-{link + 1}";

    /// <summary>Host <c>c1-2</c> depends on <c>c1-1</c>, <c>c1-3</c> on <c>c1-2</c>...; each has an HTTP health check.</summary>
    private static string Inventory(int chains, int chainLength)
    {
        var hosts = new JsonObject();
        for (var chain = 0; chain < chains; chain++)
        {
            for (var link = 0; link < chainLength; link++)
            {
                var host = new JsonObject
                {
                    ["target"] = $"10.1.{chain + 1}.{link + 1}",
                    ["healthChecks"] = new JsonArray(new JsonObject { ["type"] = "http", ["url"] = "http://localhost:8080/health" }),
                };
                if (link > 0)
                {
                    host["dependsOn"] = new JsonArray(HostName(chain, link - 1));
                }

                hosts[HostName(chain, link)] = host;
            }
        }

        return new JsonObject { ["hosts"] = hosts }.ToJsonString();
    }

    private static async Task<int> MeasureAsync(Lab.Lab lab, BenchOptions options, string work, CancellationToken cancellationToken)
    {
        var inventory = lab.InventoryDirectory;
        var hosts = Enumerable.Range(0, options.Chains).SelectMany(c => Enumerable.Range(0, options.ChainLength).Select(l => HostName(c, l))).ToList();

        // a. flotilla deploy, every host on a new configuration (version 2).
        await ConfigureAsync(lab, hosts, "2", options.Startup, cancellationToken).ConfigureAwait(false);
        var state = Path.Combine(work, "state");
        string[] deployArgs = ["deploy", "-f", inventory, "--json", "--substituters", "", "--state-dir", state, .. options.Parallel is { } p ? ["--parallel", p.ToString(CultureInfo.InvariantCulture)] : Array.Empty<string>()];
        Console.WriteLine($"a. dotnet {options.CliPath} {string.Join(' ', deployArgs.Select(a => a.Length == 0 ? "\"\"" : a))}");
        var launched = TimeProvider.System.GetUtcNow();
        var deploy = await Timed.RunAsync("dotnet", [options.CliPath, .. deployArgs], cancellationToken: cancellationToken).ConfigureAwait(false);
        await ExpectGenerationAsync(lab, hosts, 2, cancellationToken).ConfigureAwait(false);

        // b. The critical path of that same run, from its journal.
        var runDirectory = Directory.GetDirectories(Path.Combine(state, "runs")).Single();
        var path = await CriticalPath.ReadAsync(runDirectory, cancellationToken).ConfigureAwait(false);
        var beforeSteps = path.FirstStart - launched;
        var afterSteps = deploy.Elapsed - (path.LastEnd - launched);
        var lowerBound = beforeSteps + path.Length;

        // c. The same work as a sequential loop: a new configuration (version 3) so there is as much to
        // build, copy and activate as flotilla had; one nix build of every host, then host by host in
        // dependency order: nix copy, then nix-env --set + switch-to-configuration over ssh.
        await ConfigureAsync(lab, hosts, "3", options.Startup, cancellationToken).ConfigureAwait(false);
        var attributes = hosts.Select(h => $"path:{inventory}#nixosConfigurations.{h}.config.system.build.toplevel").ToList();
        var build = await Timed.RunAsync(Nix, ["--extra-experimental-features", "nix-command flakes", "build", "--json", "--no-link", "--option", "substituters", "", .. attributes], cancellationToken: cancellationToken).ConfigureAwait(false);
        var systems = SystemPaths(build.Result.StandardOutput, hosts);
        var copy = TimeSpan.Zero;
        var activate = TimeSpan.Zero;
        foreach (var host in hosts)
        {
            var address = lab.GetHost(host).Address;
            var system = systems[host];
            copy += (await Timed.RunAsync(Nix, ["--extra-experimental-features", "nix-command", "copy", "--to", "ssh://root@" + address, system], cancellationToken: cancellationToken).ConfigureAwait(false)).Elapsed;
            activate += (await Timed.RunAsync("ssh", ["-o", "BatchMode=yes", "root@" + address, $"nix-env -p /nix/var/nix/profiles/system --set {system} && {system}/bin/switch-to-configuration switch"], cancellationToken: cancellationToken).ConfigureAwait(false)).Elapsed;
        }

        await ExpectGenerationAsync(lab, hosts, 3, cancellationToken).ConfigureAwait(false);
        var loop = build.Elapsed + copy + activate;

        Console.WriteLine();
        Console.WriteLine($"deploy benchmark: {hosts.Count} lab hosts, {options.Chains} dependency chains of {options.ChainLength}{(options.ChainLength > 1 ? " (cN-2 depends on cN-1, ...)" : " (no dependencies)")}, every host on a new configuration{(options.Startup > 0 ? $", every service taking {options.Startup.ToString(CultureInfo.InvariantCulture)} s to start" : "")}");
        Console.WriteLine($"a. flotilla deploy (built CLI process, --substituters \"\"{(options.Parallel is { } n ? ", --parallel " + n.ToString(CultureInfo.InvariantCulture) : ", default --parallel")}): {S(deploy.Elapsed)}");
        Console.WriteLine($"b. critical path of that run: {S(lowerBound)}");
        Console.WriteLine($"     = launch -> first step started (load and evaluate the inventory, the one batch nix build of all hosts): {S(beforeSteps)}");
        Console.WriteLine($"     + longest path through plan.json's dependsOn graph, each step weighted by its duration in events.jsonl: {S(path.Length)}");
        Console.WriteLine($"       {string.Join(" -> ", path.Steps.Select(s => $"{s.Step} {s.Duration.TotalSeconds:F2}"))}");
        Console.WriteLine($"     (not counted: last step ended -> process exit: {S(afterSteps)})");
        Console.WriteLine($"c. sequential loop: {S(loop)} = one nix build of all hosts {S(build.Elapsed)} + nix copy {S(copy)} + nix-env --set && switch over ssh {S(activate)}");
        Console.WriteLine();
        Ratio("deploy / critical path", deploy.Elapsed / lowerBound, "<= 1.25", deploy.Elapsed / lowerBound <= 1.25);
        Ratio("deploy steps only / longest step path (both without the pre-step phase)", (deploy.Elapsed - beforeSteps) / path.Length, "", null);
        Ratio("sequential loop / deploy (speed-up)", loop / deploy.Elapsed, ">= 5", loop / deploy.Elapsed >= 5);
        Ratio("sequential loop / critical path (the most any schedule of this graph could gain)", loop / lowerBound, "", null);
        Ratio("sequential copy+activate / deploy minus its pre-step phase", (copy + activate) / (deploy.Elapsed - beforeSteps), "", null);
        return 0;
    }

    private static string S(TimeSpan time) => time.TotalSeconds.ToString("F2", CultureInfo.InvariantCulture) + " s";

    private static void Ratio(string what, double ratio, string target, bool? met) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {what}: {ratio:F2}{(met is null ? "" : $" (target {target}: {(met.Value ? "met" : "MISSED")})")}"));

    /// <summary>A new version of every host's configuration; with <paramref name="startup"/>, its services take that long to start.</summary>
    private static async Task ConfigureAsync(Lab.Lab lab, IEnumerable<string> hosts, string version, int startup, CancellationToken cancellationToken)
    {
        foreach (var host in hosts)
        {
            var file = lab.HostConfigurationPath(host);
            var config = JsonNode.Parse(await File.ReadAllTextAsync(file, cancellationToken).ConfigureAwait(false))!;
            config["version"] = version;
            foreach (var service in config["services"]?.AsArray() ?? [])
            {
                service!["startup"] = startup;
            }

            await File.WriteAllTextAsync(file, config.ToJsonString(), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The systems <c>nix build --json</c> made, by the host their <c>hostname</c> file names (the results are not in the installables' order).</summary>
    private static Dictionary<string, string> SystemPaths(string buildJson, IReadOnlyList<string> hosts)
    {
        using var json = JsonDocument.Parse(buildJson);
        var systems = json.RootElement.EnumerateArray()
            .Select(r => r.GetProperty("outputs").GetProperty("out").GetString()!)
            .ToDictionary(path => File.ReadAllText(Path.Combine(path, "hostname")).Trim(), StringComparer.Ordinal);
        var missing = hosts.Where(h => !systems.ContainsKey(h)).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidOperationException($"bench: nix build made no system for {string.Join(", ", missing)}");
        }

        return systems;
    }

    private static async Task ExpectGenerationAsync(Lab.Lab lab, IEnumerable<string> hosts, int generation, CancellationToken cancellationToken)
    {
        var wrong = new StringBuilder();
        foreach (var host in hosts)
        {
            var link = (await Timed.RunAsync("ssh", ["-o", "BatchMode=yes", "root@" + lab.GetHost(host).Address, "readlink /nix/var/nix/profiles/system"], cancellationToken: cancellationToken).ConfigureAwait(false)).Result.StandardOutput.Trim();
            if (link != $"system-{generation}-link")
            {
                wrong.Append(CultureInfo.InvariantCulture, $" {host}={link}");
            }
        }

        if (wrong.Length > 0)
        {
            throw new InvalidOperationException($"bench: expected every host on generation {generation}, but:{wrong}");
        }
    }
}
