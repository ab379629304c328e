using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Flotilla.Execution;
using Flotilla.Lab;

namespace Flotilla.Bench;

/// <summary>
/// <c>exec</c>: runs <c>true</c> on every host of a lab (32 by default) with the built
/// <c>flotilla exec</c> (process started as a user starts it, on the lab's flake and on a JSON
/// inventory of the same hosts), <c>parallel-ssh -p N</c> and <c>ansible -f N</c>; one warm-up
/// round, then N rounds with the tools interleaved (the order rotates each round); medians and ratios.
/// </summary>
internal static class ExecBenchmark
{
    private sealed record Tool(string Name, string Program, IReadOnlyList<string> Arguments, IReadOnlyDictionary<string, string>? Environment = null);

    public static async Task<int> RunAsync(BenchOptions options, CancellationToken cancellationToken)
    {
        var count = options.Hosts ?? 32;
        var work = Directory.CreateTempSubdirectory("flotilla-bench-exec-");
        try
        {
            return await LabSession.RunAsync(
                new LabOptions { Name = "bench-exec", HostCount = count },
                lab => MeasureAsync(lab, options, work.FullName, cancellationToken),
                cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    private static async Task<int> MeasureAsync(Lab.Lab lab, BenchOptions options, string work, CancellationToken cancellationToken)
    {
        var count = lab.Hosts.Count.ToString(CultureInfo.InvariantCulture);
        var hostsFile = Path.Combine(work, "hosts");
        await File.WriteAllLinesAsync(hostsFile, lab.Hosts.Select(h => "root@" + h.Address), cancellationToken).ConfigureAwait(false);
        var ansibleInventory = Path.Combine(work, "inventory.ini");
        var ini = new StringBuilder("[lab]\n");
        foreach (var host in lab.Hosts)
        {
            ini.Append(CultureInfo.InvariantCulture, $"{host.Address} ansible_user=root ansible_python_interpreter=/usr/bin/python3\n");
        }

        await File.WriteAllTextAsync(ansibleInventory, ini.ToString(), cancellationToken).ConfigureAwait(false);
        var jsonInventory = Path.Combine(work, "flotilla.json");
        var hosts = new JsonObject();
        foreach (var host in lab.Hosts)
        {
            hosts[host.Name] = new JsonObject { ["target"] = "root@" + host.Address };
        }

        await File.WriteAllTextAsync(jsonInventory, new JsonObject { ["hosts"] = hosts }.ToJsonString(), cancellationToken).ConfigureAwait(false);

        Tool[] tools =
        [
            new("flotilla exec (lab flake)", "dotnet", [options.CliPath, "exec", "-f", lab.InventoryDirectory, "--", "true"]),
            new("flotilla exec (JSON inventory)", "dotnet", [options.CliPath, "exec", "-f", jsonInventory, "--", "true"]),
            // Every round pays 32 handshakes, as parallel-ssh does: no shared connections.
            new("flotilla exec (JSON, cold)", "dotnet", [options.CliPath, "exec", "-f", jsonInventory, "--", "true"],
                new Dictionary<string, string>(StringComparer.Ordinal) { [SshConnectionSharing.PersistVariable] = "no" }),
            new("parallel-ssh", ParallelSsh(), ["-h", hostsFile, "-p", count, "true"]),
            // Ansible's own defaults otherwise (its ssh ControlPersist included).
            new("ansible", "ansible", ["all", "-i", ansibleInventory, "-m", "command", "-a", "true", "-f", count],
                new Dictionary<string, string>(StringComparer.Ordinal) { ["ANSIBLE_HOST_KEY_CHECKING"] = "False" }),
        ];

        Console.WriteLine($"exec benchmark: `true` on {count} lab hosts; commands:");
        foreach (var tool in tools)
        {
            Console.WriteLine($"  {tool.Name}: {tool.Program} {string.Join(' ', tool.Arguments)}");
        }

        foreach (var tool in tools)
        {
            await Timed.RunAsync(tool.Program, tool.Arguments, tool.Environment, cancellationToken).ConfigureAwait(false);
        }

        var times = tools.ToDictionary(t => t.Name, _ => new List<double>());
        for (var round = 0; round < options.Repeat; round++)
        {
            for (var i = 0; i < tools.Length; i++)
            {
                var tool = tools[(round + i) % tools.Length];
                times[tool.Name].Add((await Timed.RunAsync(tool.Program, tool.Arguments, tool.Environment, cancellationToken).ConfigureAwait(false)).Seconds);
            }
        }

        Console.WriteLine();
        Console.WriteLine($"wall time of the whole process, {options.Repeat} interleaved rounds after one warm-up round:");
        Console.WriteLine($"  {"tool",-32} {"median s",9}  runs");
        var medians = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var tool in tools)
        {
            medians[tool.Name] = Median(times[tool.Name]);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {tool.Name,-32} {medians[tool.Name],9:F3}  {string.Join(' ', times[tool.Name].Select(t => t.ToString("F3", CultureInfo.InvariantCulture)))}"));
        }

        Console.WriteLine();
        foreach (var flotilla in tools.Take(3).Select(t => t.Name))
        {
            var pssh = medians["parallel-ssh"] / medians[flotilla];
            var ansible = medians["ansible"] / medians[flotilla];
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  parallel-ssh / {flotilla}: {pssh:F2} (target >= 1: {(pssh >= 1 ? "met" : "MISSED")})"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  ansible / {flotilla}: {ansible:F2} (target >= 3: {(ansible >= 3 ? "met" : "MISSED")})"));
        }

        return 0;
    }

    /// <summary>Debian's pssh installs <c>parallel-ssh</c>; other systems call it <c>pssh</c>.</summary>
    private static string ParallelSsh() => Flotilla.Processes.ProcessRunner.Find("parallel-ssh") is not null ? "parallel-ssh" : "pssh";

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
