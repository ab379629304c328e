using Flotilla.Execution.Internal;
using Flotilla.Inventory;
using Flotilla.Planning;

namespace Flotilla.Execution;

/// <summary>How one container's update ended.</summary>
public enum ContainerUpdateOutcome
{
    /// <summary>The registry has no other image under its name.</summary>
    UpToDate,
    /// <summary>It runs the new image and passed its health checks.</summary>
    Updated,
    /// <summary>The new image failed; the previous one is back and healthy.</summary>
    RolledBack,
    /// <summary>Something it depends on did not update; it was left alone.</summary>
    HeldBack,
    /// <summary>Pulling failed, or the previous image did not come back healthy: look at it.</summary>
    Failed,
}

/// <summary>One container's update: the image IDs before and after, and why. Immutable.</summary>
public sealed record ContainerUpdate(string Host, string Service, string Image, ContainerUpdateOutcome Outcome, string? Before, string? After, string Message);

/// <summary>
/// <c>flotilla services update</c>: for each selected container (those whose policy is auto-update,
/// or all named), in dependency order, pulls its image on its host and, when the registry has a
/// new one, restarts the container through its unit onto it, then health-gates it; a failure tags
/// the previous image back under the name and restarts again (as podman auto-update's rollback
/// does), and holds back what depends on it. Thread safe.
/// </summary>
public sealed class ContainerUpdater(DeployOptions? options = null)
{
    // Constant scripts: container and image names arrive as positional arguments, quoted by RemoteShell.
    private const string PullScript = """
        before=$(podman container inspect --format '{{.Image}}' "$1" 2>/dev/null || true)
        podman pull -q "$2" >/dev/null || exit 4
        after=$(podman image inspect --format '{{.Id}}' "$2") || exit 4
        echo "$before $after"
        """;

    /// <summary>
    /// Restarts a container through its unit (podman-NAME, as NixOS names it) when it has one, else
    /// with podman. A unit that gave up on a container that kept dying (start-limit-hit) is reset first.
    /// </summary>
    public const string RestartScript = """
        if systemctl show --property=LoadState "podman-$1.service" 2>/dev/null | grep -qx 'LoadState=loaded'; then
          systemctl reset-failed "podman-$1.service" 2>/dev/null || true
          exec systemctl restart "podman-$1.service"
        fi
        exec podman restart "$1"
        """;

    private const string TagScript = """exec podman tag "$1" "$2" """;

    private readonly DeployOptions options = options ?? new DeployOptions();

    /// <summary>The containers an update considers: those named, else those with an auto-update policy.</summary>
    public static IReadOnlyList<Service> Candidates(Fleet fleet, IReadOnlyList<Host> hosts, IReadOnlyCollection<string> services) =>
        [.. ServiceSelection.Of(fleet, hosts, services, s => s.Container is not null, s => s.Container!.AutoUpdate is not null)];

    public async Task<IReadOnlyList<ContainerUpdate>> UpdateAsync(Fleet fleet, IReadOnlyList<Service> containers, Action<string>? onLine = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        ArgumentNullException.ThrowIfNull(containers);
        var output = onLine ?? (_ => { });
        var ssh = options.Transports;
        var health = new HealthChecker(ssh, options.TimeProvider);
        var names = containers.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        var needs = FleetDependencies.Resolve(fleet);
        var results = new Dictionary<string, ContainerUpdate>(StringComparer.Ordinal);
        foreach (var service in Order(containers, needs, names))
        {
            var blocker = needs.GetValueOrDefault(service.Name, []).Select(n => n.Service)
                .FirstOrDefault(n => results.TryGetValue(n, out var r) && r.Outcome is not (ContainerUpdateOutcome.UpToDate or ContainerUpdateOutcome.Updated));
            var host = fleet.FindHost(service.Host)!;
            var image = service.Container!.Image;
            if (blocker is not null)
            {
                results[service.Name] = new ContainerUpdate(host.Name, service.Name, image, ContainerUpdateOutcome.HeldBack, null, null, $"held back: {blocker}, which it depends on, did not update");
                output($"{host.Name}/{service.Name}: {results[service.Name].Message}");
                continue;
            }

            results[service.Name] = await UpdateOneAsync(ssh, health, host, service, output, cancellationToken).ConfigureAwait(false);
            output($"{host.Name}/{service.Name}: {results[service.Name].Message}");
        }

        return [.. results.Values];
    }

    private async Task<ContainerUpdate> UpdateOneAsync(IHostTransport ssh, HealthChecker health, Host host, Service service, Action<string> output, CancellationToken cancellationToken)
    {
        var name = ContainerRun.NameOf(service);
        var image = service.Container!.Image;
        ContainerUpdate Result(ContainerUpdateOutcome outcome, string? before, string? after, string message) => new(host.Name, service.Name, image, outcome, before, after, message);

        var pulled = await ssh.RunCommandAsync(host, RemoteShell.Script(PullScript, name, image), null, null, cancellationToken).ConfigureAwait(false);
        if (!pulled.Succeeded)
        {
            return Result(ContainerUpdateOutcome.Failed, null, null, $"cannot pull {image} on {host.Name}: {pulled.Tail(3)}");
        }

        var ids = pulled.Output.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var (before, after) = ids.Length == 2 ? (ids[0], ids[1]) : (null, ids.LastOrDefault());
        if (before is not null && before == after)
        {
            return Result(ContainerUpdateOutcome.UpToDate, before, after, $"{image} is up to date ({Short(after)})");
        }

        output($"{host.Name}/{service.Name}: {image} moves from {Short(before)} to {Short(after)}");
        var gate = await RestartAndGateAsync(ssh, health, host, service, name, output, cancellationToken).ConfigureAwait(false);
        if (gate.Passed)
        {
            return Result(ContainerUpdateOutcome.Updated, before, after, $"updated to {Short(after)}: {gate.Message}");
        }

        if (before is null)
        {
            return Result(ContainerUpdateOutcome.Failed, before, after, $"the new image {Short(after)} failed ({gate.Message}) and there is no previous image to go back to");
        }

        // As podman auto-update --rollback does: the previous image gets the name back.
        output($"{host.Name}/{service.Name}: rolling back to {Short(before)}: {gate.Message}");
        var tagged = await ssh.RunCommandAsync(host, RemoteShell.Script(TagScript, before, image), null, null, cancellationToken).ConfigureAwait(false);
        var back = tagged.Succeeded
            ? await RestartAndGateAsync(ssh, health, host, service, name, output, cancellationToken).ConfigureAwait(false)
            : new HealthReport(false, $"podman tag failed: {tagged.Tail(2)}");
        return back.Passed
            ? Result(ContainerUpdateOutcome.RolledBack, before, after, $"the new image {Short(after)} failed ({gate.Message}); back on {Short(before)}, healthy")
            : Result(ContainerUpdateOutcome.Failed, before, after, $"the new image {Short(after)} failed ({gate.Message}), and going back to {Short(before)} failed too ({back.Message}): {service.Name} needs attention");
    }

    private static async Task<HealthReport> RestartAndGateAsync(IHostTransport ssh, HealthChecker health, Host host, Service service, string name, Action<string> output, CancellationToken cancellationToken)
    {
        var restarted = await ssh.RunCommandAsync(host, RemoteShell.Script(RestartScript, name), null, null, cancellationToken).ConfigureAwait(false);
        if (!restarted.Succeeded)
        {
            return new HealthReport(false, $"restarting {name} failed (exit {restarted.ExitCode}): {restarted.Tail(2)}");
        }

        return await health.CheckAsync(host, "container " + name, ContainerRun.GateChecks(service), line => output($"{host.Name}/{service.Name}: {line}"), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Dependencies first (among the containers being updated); otherwise as given.</summary>
    private static List<Service> Order(IReadOnlyList<Service> containers, System.Collections.Immutable.ImmutableDictionary<string, System.Collections.Immutable.ImmutableArray<(string Service, ServiceDependency Dependency)>> needs, HashSet<string> names)
    {
        var ordered = new List<Service>();
        var placed = new HashSet<string>(StringComparer.Ordinal);
        var pending = containers.ToList();
        while (pending.Count > 0)
        {
            var next = pending.FirstOrDefault(s => needs.GetValueOrDefault(s.Name, []).All(n => !names.Contains(n.Service) || placed.Contains(n.Service))) ?? pending[0];
            ordered.Add(next);
            placed.Add(next.Name);
            pending.Remove(next);
        }

        return ordered;
    }

    private static string Short(string? id) => id is null ? "none" : id.StartsWith("sha256:", StringComparison.Ordinal) ? id[7..Math.Min(id.Length, 19)] : id[..Math.Min(id.Length, 12)];
}
