using System.Globalization;
using Flotilla.Execution.Internal;
using Flotilla.Inventory;

namespace Flotilla.Execution;

/// <summary>What every host must show before an unattended run starts. Immutable.</summary>
public sealed record PreflightLimits
{
    /// <summary>Free space on the file system of <c>/nix</c>, in bytes (new generations land there).</summary>
    public long MinFreeBytes { get; init; } = 1L << 30;

    /// <summary>The one-minute load average divided by the number of CPUs; null: no limit.</summary>
    public double? MaxLoadPerCpu { get; init; } = 4.0;

    /// <summary>The host has been up at least this long (a host that just booted is not rebooted again).</summary>
    public TimeSpan MinUptime { get; init; } = TimeSpan.Zero;

    /// <summary>The host's and its services' health checks pass.</summary>
    public bool RequireHealthy { get; init; } = true;
}

/// <summary>How one host's pre-flight checks went: passed, or every reason it did not. Immutable.</summary>
public sealed record PreflightResult(string Host, bool Passed, string Message);

/// <summary>
/// Pre-flight checks before an unattended run (<c>flotilla reboot</c>, <c>flotilla upgrade</c>):
/// per host, over one ssh command, free disk on /nix, load per CPU and uptime, then its health
/// checks. Hosts are checked in parallel. Thread safe.
/// </summary>
public sealed class Preflight(DeployOptions? options = null)
{
    private const string Script = """
        echo "df=$(df -Pk /nix 2>/dev/null | tail -n 1)"
        echo "load=$(cat /proc/loadavg)"
        echo "uptime=$(cat /proc/uptime)"
        echo "cpus=$(nproc 2>/dev/null || grep -c ^processor /proc/cpuinfo)"
        """;

    private readonly DeployOptions options = options ?? new DeployOptions();

    public async Task<IReadOnlyList<PreflightResult>> CheckAsync(Fleet fleet, IReadOnlyList<Host> hosts, PreflightLimits limits, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        ArgumentNullException.ThrowIfNull(hosts);
        ArgumentNullException.ThrowIfNull(limits);
        return await Task.WhenAll(hosts.Select(h => CheckAsync(fleet, h, limits, cancellationToken))).ConfigureAwait(false);
    }

    private async Task<PreflightResult> CheckAsync(Fleet fleet, Host host, PreflightLimits limits, CancellationToken cancellationToken)
    {
        var ssh = options.Transports;
        var result = await ssh.RunCommandAsync(host, RemoteShell.Script(Script), null, null, cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            return new PreflightResult(host.Name, false, $"cannot reach {host.Target}: {result.Tail(3)}");
        }

        var values = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split('=', 2)).Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => p[1].Trim());
        var problems = new List<string>();
        var seen = new List<string>();

        // df -P: filesystem, 1024-blocks, used, available, capacity, mounted on.
        var df = values.GetValueOrDefault("df", "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (df.Length >= 4 && long.TryParse(df[3], NumberStyles.None, CultureInfo.InvariantCulture, out var freeKiB))
        {
            var free = freeKiB * 1024;
            seen.Add($"{Size(free)} free on /nix");
            if (free < limits.MinFreeBytes)
            {
                problems.Add($"only {Size(free)} free on /nix, less than the {Size(limits.MinFreeBytes)} required (--min-free-disk): collect garbage (nix-collect-garbage -d) first");
            }
        }
        else
        {
            problems.Add("cannot read the free disk space of /nix (df -Pk /nix)");
        }

        var load = values.GetValueOrDefault("load", "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (load.Length >= 1 && double.TryParse(load[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var oneMinute)
            && int.TryParse(values.GetValueOrDefault("cpus", ""), NumberStyles.None, CultureInfo.InvariantCulture, out var cpus) && cpus > 0)
        {
            var perCpu = oneMinute / cpus;
            seen.Add($"load {oneMinute.ToString("0.00", CultureInfo.InvariantCulture)} on {cpus.ToString(CultureInfo.InvariantCulture)} CPUs");
            if (limits.MaxLoadPerCpu is { } max && perCpu > max)
            {
                problems.Add($"load {perCpu.ToString("0.00", CultureInfo.InvariantCulture)} per CPU is above {max.ToString("0.00", CultureInfo.InvariantCulture)} (--max-load): the host is busy");
            }
        }
        else if (limits.MaxLoadPerCpu is not null)
        {
            problems.Add("cannot read the load average (/proc/loadavg, nproc)");
        }

        var uptimeText = values.GetValueOrDefault("uptime", "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (uptimeText.Length >= 1 && double.TryParse(uptimeText[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var up))
        {
            var uptime = TimeSpan.FromSeconds(up);
            seen.Add($"up {uptime.TotalMinutes.ToString("0", CultureInfo.InvariantCulture)} min");
            if (uptime < limits.MinUptime)
            {
                problems.Add($"up only {uptime.TotalSeconds.ToString("0", CultureInfo.InvariantCulture)} s, less than {limits.MinUptime.TotalSeconds.ToString("0", CultureInfo.InvariantCulture)} s (--min-uptime): it booted recently");
            }
        }
        else if (limits.MinUptime > TimeSpan.Zero)
        {
            problems.Add("cannot read the uptime (/proc/uptime)");
        }

        if (limits.RequireHealthy && problems.Count == 0)
        {
            var report = await new HealthChecker(ssh, options.TimeProvider).CheckAsync(fleet, host, _ => { }, cancellationToken).ConfigureAwait(false);
            if (!report.Passed)
            {
                problems.Add("unhealthy: " + report.Message);
            }
            else
            {
                seen.Add("healthy");
            }
        }

        return problems.Count == 0
            ? new PreflightResult(host.Name, true, string.Join(", ", seen))
            : new PreflightResult(host.Name, false, string.Join("; ", problems));
    }

    private static string Size(long bytes) => bytes switch
    {
        >= 1L << 40 => (bytes / (double)(1L << 40)).ToString("0.#", CultureInfo.InvariantCulture) + " TiB",
        >= 1L << 30 => (bytes / (double)(1L << 30)).ToString("0.#", CultureInfo.InvariantCulture) + " GiB",
        >= 1L << 20 => (bytes / (double)(1L << 20)).ToString("0.#", CultureInfo.InvariantCulture) + " MiB",
        _ => (bytes / 1024.0).ToString("0.#", CultureInfo.InvariantCulture) + " KiB",
    };
}
