using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using Flotilla.Execution.Internal;
using Flotilla.Inventory;

namespace Flotilla.Execution;

/// <summary>What a service is (<see cref="Kind"/>): a container or a systemd unit.</summary>
public enum ServiceKind
{
    Container,
    Systemd,
}

/// <summary>How a service stands on its host.</summary>
public enum ServiceState
{
    Running,
    Stopped,
    /// <summary>It exited with an error, keeps dying, or its unit failed.</summary>
    Failed,
    /// <summary>The inventory declares it and the host has no such container or unit.</summary>
    Missing,
    /// <summary>The host could not be asked (unreachable): see the message.</summary>
    Unknown,
}

/// <summary>
/// One service of one host as <c>flotilla services</c> shows it. <see cref="Healthy"/> is null
/// when the service has no health check or does not run; <see cref="Digest"/> is the image
/// digest the container runs. Immutable.
/// </summary>
public sealed record ServiceStatus(
    string Host,
    string Name,
    ServiceKind Kind,
    string? Image,
    string? Digest,
    ServiceState State,
    bool? Healthy,
    int? Restarts,
    DateTimeOffset? Since,
    string? Message);

/// <summary>
/// Reads every service of the selected hosts over one ssh session per host: its containers
/// (<c>podman container inspect</c>: every container the host has, declared or not) and its
/// other services' units (<c>systemctl show</c>), then runs each running service's health checks
/// once. Thread safe.
/// </summary>
public sealed class ServiceStatusReader(DeployOptions? options = null)
{
    /// <summary>How many restarts make a container "failing" rather than merely restarted (it keeps dying).</summary>
    public const int FailingRestarts = 5;

    private const string Separator = "---flotilla-units---";

    // A constant script: the unit names arrive as positional arguments, quoted by RemoteShell.
    private const string Script = """
        if command -v podman >/dev/null 2>&1; then
          ids=$(podman ps -aq 2>/dev/null)
          if [ -n "$ids" ]; then podman container inspect $ids; else echo '[]'; fi
        else
          echo '[]'
        fi
        echo '---flotilla-units---'
        if [ $# -gt 0 ]; then systemctl show --property=Id,LoadState,ActiveState,SubState,NRestarts,ActiveEnterTimestamp -- "$@"; fi
        exit 0
        """;

    private readonly DeployOptions options = options ?? new DeployOptions();

    public async Task<IReadOnlyList<ServiceStatus>> ReadAsync(Fleet fleet, IReadOnlyList<Host> hosts, bool checkHealth = true, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        ArgumentNullException.ThrowIfNull(hosts);
        var ssh = options.Transports;
        var perHost = await Task.WhenAll(hosts.Select(h => ReadHostAsync(ssh, fleet, h, checkHealth, cancellationToken))).ConfigureAwait(false);
        return [.. perHost.SelectMany(s => s)];
    }

    private async Task<IReadOnlyList<ServiceStatus>> ReadHostAsync(IHostTransport ssh, Fleet fleet, Host host, bool checkHealth, CancellationToken cancellationToken)
    {
        var declared = fleet.Services.Where(s => s.Host == host.Name).ToList();
        // Containers' units too (podman-NAME, as NixOS names them): a container run with --rm that died is gone, its unit failed.
        var units = declared.Select(s => s.Container is null ? UnitOf(s.Name) : "podman-" + ContainerRun.NameOf(s) + ".service").ToList();
        var result = await ssh.RunCommandAsync(host, RemoteShell.Script(Script, units), null, null, cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            var why = result.ExitCode == 255 ? $"cannot reach {host.Target} over ssh: {result.Tail(2)}" : $"reading its services failed (exit {result.ExitCode}): {result.Tail(2)}";
            return [.. declared.Select(s => new ServiceStatus(host.Name, s.Name, s.Container is null ? ServiceKind.Systemd : ServiceKind.Container, s.Container?.Image, null, ServiceState.Unknown, null, null, null, why))];
        }

        var at = result.Output.IndexOf(Separator, StringComparison.Ordinal);
        var containers = ParseContainers(at < 0 ? result.Output : result.Output[..at]);
        var unitStates = ParseUnits(at < 0 ? "" : result.Output[(at + Separator.Length)..]);
        var statuses = new List<ServiceStatus>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var service in declared)
        {
            if (service.Container is { } container)
            {
                var name = ContainerRun.NameOf(service);
                seen.Add(name);
                var unit = unitStates.GetValueOrDefault("podman-" + name + ".service");
                statuses.Add(containers.TryGetValue(name, out var running)
                    ? WithUnitRestarts(running with { Name = service.Name }, unit)
                    : unit is { State: ServiceState.Failed }
                        ? new ServiceStatus(host.Name, service.Name, ServiceKind.Container, container.Image, null, ServiceState.Failed, null, unit.Restarts, unit.Since,
                            unit.Restarts >= FailingRestarts
                                ? $"restarted {unit.Restarts} times: it keeps dying, and its unit podman-{name} gave up"
                                : $"its unit podman-{name} failed and its container is gone")
                        : new ServiceStatus(host.Name, service.Name, ServiceKind.Container, container.Image, null, ServiceState.Missing, null, unit?.Restarts, null, $"no container {name} on {host.Name}"));
            }
            else
            {
                statuses.Add(unitStates.TryGetValue(UnitOf(service.Name), out var unit)
                    ? unit with { Host = host.Name, Name = service.Name }
                    : new ServiceStatus(host.Name, service.Name, ServiceKind.Systemd, null, null, ServiceState.Unknown, null, null, null, "systemctl did not answer for it"));
            }
        }

        // Containers the inventory does not know are shown too: the host runs them.
        statuses.AddRange(containers.Where(c => !seen.Contains(c.Key)).Select(c => c.Value).OrderBy(c => c.Name, StringComparer.Ordinal));
        for (var i = 0; i < statuses.Count; i++)
        {
            statuses[i] = statuses[i] with { Host = host.Name };
        }

        if (!checkHealth)
        {
            return statuses;
        }

        var checker = new HealthChecker(ssh, options.TimeProvider);
        var byName = declared.ToDictionary(s => s.Name, StringComparer.Ordinal);
        for (var i = 0; i < statuses.Count; i++)
        {
            if (statuses[i].State == ServiceState.Running && byName.TryGetValue(statuses[i].Name, out var service) && !service.HealthChecks.IsEmpty)
            {
                var report = await checker.CheckOnceAsync(host, service.HealthChecks, cancellationToken).ConfigureAwait(false);
                statuses[i] = statuses[i] with { Healthy = report.Passed, Message = report.Passed ? statuses[i].Message : report.Message };
            }
        }

        return statuses;
    }

    /// <summary>
    /// A container's restarts are its unit's (systemd runs a new container each time: podman's own
    /// count starts again at 0) or podman's, whichever is more.
    /// </summary>
    private static ServiceStatus WithUnitRestarts(ServiceStatus container, ServiceStatus? unit)
    {
        var restarts = Math.Max(container.Restarts ?? 0, unit?.Restarts ?? 0);
        if (restarts == (container.Restarts ?? 0))
        {
            return container;
        }

        return container.State == ServiceState.Running && restarts >= FailingRestarts
            ? container with { Restarts = restarts, State = ServiceState.Failed, Message = $"restarted {restarts} times: it keeps dying" }
            : container with { Restarts = restarts };
    }

    private static string UnitOf(string service) => service.EndsWith(".service", StringComparison.Ordinal) ? service : service + ".service";

    /// <summary><c>podman container inspect</c>'s array, by container name.</summary>
    internal static Dictionary<string, ServiceStatus> ParseContainers(string json)
    {
        var containers = new Dictionary<string, ServiceStatus>(StringComparer.Ordinal);
        var start = json.IndexOf('[', StringComparison.Ordinal);
        if (start < 0)
        {
            return containers;
        }

        using var document = JsonDocument.Parse(json[start..]);
        foreach (var item in document.RootElement.EnumerateArray())
        {
            var name = item.TryGetProperty("Name", out var n) ? n.GetString()?.TrimStart('/') ?? "" : "";
            var state = item.TryGetProperty("State", out var s) ? s : default;
            var status = state.ValueKind == JsonValueKind.Object && state.TryGetProperty("Status", out var st) ? st.GetString() ?? "" : "";
            var exitCode = state.ValueKind == JsonValueKind.Object && state.TryGetProperty("ExitCode", out var ec) && ec.TryGetInt32(out var code) ? code : 0;
            var restarts = item.TryGetProperty("RestartCount", out var rc) && rc.TryGetInt32(out var count) ? count : 0;
            DateTimeOffset? since = state.ValueKind == JsonValueKind.Object && state.TryGetProperty("StartedAt", out var sa)
                && DateTimeOffset.TryParse(sa.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var started) && started.Year > 1
                ? started.ToUniversalTime()
                : null;
            var image = item.TryGetProperty("Config", out var config) && config.TryGetProperty("Image", out var im) ? im.GetString()
                : item.TryGetProperty("ImageName", out var imageName) ? imageName.GetString() : null;
            var digest = item.TryGetProperty("ImageDigest", out var d) ? d.GetString() : null;
            var (mapped, message) = (status, exitCode, restarts) switch
            {
                ("running", _, >= FailingRestarts) => (ServiceState.Failed, $"restarted {restarts} times: it keeps dying"),
                ("running", _, _) => (ServiceState.Running, (string?)null),
                ("dead", _, _) => (ServiceState.Failed, "dead"),
                (_, not 0, _) => (ServiceState.Failed, $"exited with {exitCode}"),
                _ => (ServiceState.Stopped, status.Length > 0 ? status : null),
            };
            containers[name] = new ServiceStatus("", name, ServiceKind.Container, image, digest, mapped, null, restarts, since, message);
        }

        return containers;
    }

    /// <summary><c>systemctl show</c>'s blocks (blank-line separated <c>Key=value</c> lines), by unit id.</summary>
    internal static Dictionary<string, ServiceStatus> ParseUnits(string text)
    {
        var units = new Dictionary<string, ServiceStatus>(StringComparer.Ordinal);
        foreach (var block in text.Replace("\r", "", StringComparison.Ordinal).Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            var values = block.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(l => l.Split('=', 2))
                .Where(p => p.Length == 2)
                .GroupBy(p => p[0], StringComparer.Ordinal)
                .ToImmutableDictionary(g => g.Key, g => g.Last()[1], StringComparer.Ordinal);
            if (!values.TryGetValue("Id", out var id))
            {
                continue;
            }

            var restarts = values.TryGetValue("NRestarts", out var r) && int.TryParse(r, CultureInfo.InvariantCulture, out var n) ? n : (int?)null;
            DateTimeOffset? since = values.TryGetValue("ActiveEnterTimestamp", out var t) && TryParseSystemdTime(t, out var parsed) ? parsed : null;
            var state = (values.GetValueOrDefault("LoadState"), values.GetValueOrDefault("ActiveState")) switch
            {
                ("not-found", _) => ServiceState.Missing,
                (_, "active" or "reloading" or "activating") => restarts >= FailingRestarts ? ServiceState.Failed : ServiceState.Running,
                (_, "failed") => ServiceState.Failed,
                _ => ServiceState.Stopped,
            };
            var message = state == ServiceState.Failed && restarts >= FailingRestarts ? $"restarted {restarts} times: it keeps dying" : values.GetValueOrDefault("SubState");
            units[id] = new ServiceStatus("", id, ServiceKind.Systemd, null, null, state, null, restarts, since, message);
        }

        return units;
    }

    /// <summary>systemd's <c>Thu 2026-12-03 10:15:02 UTC</c>.</summary>
    private static bool TryParseSystemdTime(string text, out DateTimeOffset time)
    {
        time = default;
        var parts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return parts.Length >= 3
            && DateTimeOffset.TryParse(parts[1] + "T" + parts[2] + (parts.Length > 3 && parts[3] == "UTC" ? "Z" : ""), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out time);
    }
}
