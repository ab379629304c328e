using System.Collections.Immutable;
using System.Globalization;
using Flotilla.Execution.Internal;
using Flotilla.Inventory;

namespace Flotilla.Execution;

/// <summary>Where a service stands between its legacy NixOS unit and its container, as <c>flotilla migrate status</c> shows it.</summary>
public sealed record MigrationStatus(
    string Host,
    string Service,
    string LegacyUnit,
    string ContainerUnit,
    string LegacyState,
    string ContainerState,
    bool Migrated,
    string? DataOwner,
    ImmutableArray<int> Listening,
    ImmutableArray<string> Conflicts,
    string? Problem = null);

/// <summary>
/// Moves a service from the NixOS service it replaces (its <see cref="LegacySpec"/>) to its
/// container and back, over ssh with constant scripts (every inventory value a positional
/// argument). Migrating: the legacy data is copied aside first (<c>DATA.flotilla-pre-migrate</c>,
/// the backup), the legacy unit stopped, the data given to the container (owned by the container's
/// user: in place when both use one directory, else copied into the container's volume, the
/// legacy copy untouched), the container started and health-gated, and only then the legacy unit
/// masked; a failure at any point stops the container, gives the data back as it was and starts
/// the legacy service again. A record on the host (<see cref="MigrationOptions.HostStateDirectory"/>)
/// says a service is migrated and who owned its data, so a migration that was stopped can be run
/// again and a rollback knows what to give back. Thread safe.
/// </summary>
public sealed class MigrationRunner(DeployOptions? options = null, MigrationOptions? migration = null)
{
    // $1 legacy unit, $2 container unit, $3 data directory, $4 container data directory, $5 record, then ports.
    private const string ProbeScript = """
        legacy=$1 container=$2 data=$3 target=$4 record=$5
        shift 5
        echo "legacy=$(systemctl is-active "$legacy" 2>/dev/null | head -n 1)"
        echo "enabled=$(systemctl is-enabled "$legacy" 2>/dev/null | head -n 1)"
        echo "container=$(systemctl is-active "$container" 2>/dev/null | head -n 1)"
        [ -n "$data" ] && [ -e "$data" ] && echo "data-owner=$(stat -c %u:%g "$data")"
        [ -n "$target" ] && [ -e "$target" ] && echo "target-owner=$(stat -c %u:%g "$target")"
        for port; do
          hex=$(printf '%04X' "$port")
          if awk -v p=":$hex" '$4 == "0A" && substr($2, length($2) - 4) == p { found = 1 } END { exit !found }' /proc/net/tcp /proc/net/tcp6 2>/dev/null; then
            echo "listening=$port"
          fi
        done
        [ -f "$record" ] && sed 's/^/record-/' "$record"
        exit 0
        """;

    // $1 record, $2 data directory: the record made (who owns the data, kept from a first attempt)
    // and the data copied aside once. Exit 3: already migrated.
    private const string PrepareScript = """
        record=$1 data=$2
        if [ -f "$record" ] && grep -qx 'state=migrated' "$record"; then exit 3; fi
        mkdir -p "${record%/*}" || exit 1
        if [ ! -f "$record" ]; then
          owner=
          [ -e "$data" ] && owner=$(stat -c %u:%g "$data")
          printf 'state=migrating\nowner=%s\n' "$owner" > "$record.tmp" && mv "$record.tmp" "$record" || exit 1
        fi
        if [ -e "$data" ] && [ ! -e "$data.flotilla-pre-migrate" ]; then
          cp -a -- "$data" "$data.flotilla-pre-migrate.tmp" && mv -- "$data.flotilla-pre-migrate.tmp" "$data.flotilla-pre-migrate" || { echo "copying $data aside failed"; exit 1; }
          echo "backed up $data to $data.flotilla-pre-migrate"
        fi
        """;

    // $1 data, $2 container data, $3 user: the container's data from the legacy data, owned by the container's user.
    private const string DataScript = """
        data=$1 target=$2 user=$3
        if [ "$data" = "$target" ]; then
          [ -z "$user" ] || chown -R -- "$user" "$target" || exit 1
          echo "the container uses $data in place, now owned by ${user:-its owner}"
          exit 0
        fi
        if [ -e "$target" ] && [ ! -e "$target.flotilla-pre-migrate" ]; then mv -- "$target" "$target.flotilla-pre-migrate" || exit 1; fi
        rm -rf -- "$target" && mkdir -p -- "$target" || exit 1
        if [ -e "$data" ]; then cp -a -- "$data/." "$target/" || exit 1; fi
        [ -z "$user" ] || chown -R -- "$user" "$target" || exit 1
        echo "copied $data to $target, owned by ${user:-its owner}; $data is left as it was"
        """;

    // $1 data, $2 container data, $3 record: the legacy data given back as the record says it was.
    private const string GiveBackScript = """
        data=$1 target=$2 record=$3
        owner=$(sed -n 's/^owner=//p' "$record" 2>/dev/null)
        if [ "$data" = "$target" ]; then
          [ -z "$owner" ] || [ ! -e "$data" ] || chown -R -- "$owner" "$data" || exit 1
          echo "$data is owned by ${owner:-its owner} again"
        elif [ -e "$target.flotilla-pre-migrate" ]; then
          rm -rf -- "$target" && mv -- "$target.flotilla-pre-migrate" "$target" || exit 1
        fi
        """;

    private const string UnitsScript = """
        action=$1
        shift
        for unit; do
          case "$action" in
            start) systemctl reset-failed "$unit" 2>/dev/null; systemctl start "$unit" || exit 1 ;;
            # NixOS's units live in the store: a mask lasts until the next boot.
            mask | unmask) systemctl "$action" --runtime "$unit" || exit 1 ;;
            *) systemctl "$action" "$unit" || exit 1 ;;
          esac
        done
        """;

    // $1 record, $2 state: "migrated" writes it, "gone" removes it.
    private const string RecordScript = """
        record=$1 state=$2
        if [ "$state" = gone ]; then rm -f -- "$record"; exit 0; fi
        sed "s/^state=.*/state=$state/" "$record" > "$record.tmp" && mv -- "$record.tmp" "$record"
        """;

    private readonly DeployOptions options = options ?? new DeployOptions();
    private readonly MigrationOptions migration = migration ?? new MigrationOptions();
    private readonly SshTransport ssh = new((options ?? new DeployOptions()).Ssh);

    /// <summary>The services that have a legacy twin, the selected ones (or all), in dependency order.</summary>
    public static IReadOnlyList<Service> Candidates(Fleet fleet, IReadOnlyList<Host> hosts, IReadOnlyCollection<string> services) =>
        ServiceSelection.Ordered([.. ServiceSelection.Of(fleet, hosts, services, s => s.Legacy is not null && s.Container is not null, _ => true)]);

    /// <summary>Each service's legacy unit, container and data as they are on the host, and the conflicts between them.</summary>
    public async Task<IReadOnlyList<MigrationStatus>> StatusAsync(Fleet fleet, IReadOnlyList<Service> services, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        ArgumentNullException.ThrowIfNull(services);
        var statuses = new List<MigrationStatus>();
        foreach (var service in services)
        {
            statuses.Add(await StatusAsync(fleet.FindHost(service.Host)!, service, cancellationToken).ConfigureAwait(false));
        }

        return statuses;
    }

    private async Task<MigrationStatus> StatusAsync(Host host, Service service, CancellationToken cancellationToken)
    {
        var legacy = service.Legacy!;
        var target = ContainerData(service);
        var ports = Ports(service);
        var probe = await ssh.RunCommandAsync(host, RemoteShell.Script(ProbeScript, [legacy.Unit, ContainerUnit(service), legacy.DataDirectory ?? "", target ?? "", Record(service), .. legacy.Ports.Concat(ports).Distinct().Select(p => p.ToString(CultureInfo.InvariantCulture))]), null, null, cancellationToken).ConfigureAwait(false);
        if (!probe.Succeeded)
        {
            return new MigrationStatus(host.Name, service.Name, legacy.Unit, ContainerUnit(service), "unknown", "unknown", false, null, [], [], $"{host.Name} did not answer (exit {probe.ExitCode}): {probe.Tail(2)}");
        }

        var facts = probe.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(l => l.Split('=', 2)).Where(p => p.Length == 2).ToLookup(p => p[0], p => p[1], StringComparer.Ordinal);
        var listening = facts["listening"].Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToImmutableArray();
        var legacyState = facts["legacy"].FirstOrDefault() is { Length: > 0 } l ? l : "unknown";
        var containerState = facts["container"].FirstOrDefault() is { Length: > 0 } c ? c : "unknown";
        var migrated = facts["record-state"].FirstOrDefault() == "migrated";
        var dataOwner = facts["data-owner"].FirstOrDefault();
        var conflicts = ImmutableArray.CreateBuilder<string>();
        foreach (var port in legacy.Ports.Intersect(ports).Order())
        {
            var now = listening.Contains(port) ? $" ({(legacyState == "active" ? legacy.Unit : containerState == "active" ? "the container" : "something")} listens on it now)" : "";
            conflicts.Add($"port {port.ToString(CultureInfo.InvariantCulture)}: {legacy.Unit} and container {ContainerRun.NameOf(service)} both use it{now}");
        }

        var unitName = legacy.Unit.EndsWith(".service", StringComparison.Ordinal) ? legacy.Unit[..^".service".Length] : legacy.Unit;
        if (unitName == ContainerRun.NameOf(service))
        {
            conflicts.Add($"name: unit {legacy.Unit} and container {unitName} (unit {ContainerUnit(service)}) are the same service");
        }

        if (legacy.DataDirectory is { } data && target is not null && Overlaps(data, target))
        {
            conflicts.Add($"data: {legacy.Unit} and container {ContainerRun.NameOf(service)} both write {(data.Length <= target.Length ? data : target)}");
        }

        var user = service.Container!.User;
        if (dataOwner is not null && user is not null && user.Contains(':', StringComparison.Ordinal) && user.Split(':').All(p => p.All(char.IsAsciiDigit)) && dataOwner != user)
        {
            conflicts.Add($"owner: {legacy.DataDirectory} is owned by {dataOwner}; the container runs as {user}");
        }
        else if (dataOwner is not null && user is not null && legacy.User is { } legacyUser && legacyUser != user)
        {
            conflicts.Add($"owner: {legacy.Unit} runs as {legacyUser} (its data is owned by {dataOwner}); the container runs as {user}");
        }

        if (legacyState == "active" && containerState == "active")
        {
            conflicts.Add($"both run: {legacy.Unit} and {ContainerUnit(service)} are active at once");
        }

        return new MigrationStatus(host.Name, service.Name, legacy.Unit, ContainerUnit(service), legacyState, containerState, migrated, dataOwner, listening, conflicts.ToImmutable());
    }

    /// <summary>
    /// Moves a service from its legacy unit to its container (see the class); a service already
    /// migrated succeeds at once. A failure gives the legacy service back with its data as it was
    /// (<see cref="StepState.RolledBack"/>), or says what a person must look at.
    /// </summary>
    public async Task<StepResult> MigrateAsync(Fleet fleet, Service service, Action<string> output, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(output);
        if (Problem(service) is { } problem)
        {
            return StepResult.Failed(problem);
        }

        var host = fleet.FindHost(service.Host)!;
        var legacy = service.Legacy!;
        var data = legacy.DataDirectory!;
        var target = ContainerData(service)!;
        var run = Runner(host, output, cancellationToken);

        var prepared = await run(PrepareScript, [Record(service), data]);
        if (prepared.ExitCode == 3)
        {
            return StepResult.Succeeded($"{service.Name} is already migrated to its container on {host.Name}");
        }

        if (!prepared.Succeeded)
        {
            return StepResult.Failed($"backing up {data} before the migration failed (exit {prepared.ExitCode}), nothing was changed: {prepared.Tail(2)}");
        }

        output($"stopping {legacy.Unit}");
        string? failure = null;
        if (await run(UnitsScript, ["stop", legacy.Unit]) is { Succeeded: false } stopped)
        {
            failure = $"stopping {legacy.Unit} failed (exit {stopped.ExitCode}): {stopped.Tail(2)}";
        }
        else if (await run(DataScript, [data, target, service.Container!.User ?? ""]) is { Succeeded: false } moved)
        {
            failure = $"giving {data} to the container failed (exit {moved.ExitCode}): {moved.Tail(2)}";
        }
        else
        {
            output($"starting {ContainerUnit(service)}");
            failure = await StartAndGateAsync(host, ContainerUnit(service), service.Name, ContainerRun.GateChecks(service), output, cancellationToken).ConfigureAwait(false);
        }

        if (failure is null)
        {
            // Only now is the legacy service turned off for good (until its configuration drops it).
            var masked = await run(UnitsScript, ["mask", legacy.Unit]);
            await run(RecordScript, [Record(service), "migrated"]);
            return StepResult.Succeeded($"{service.Name} runs in its container on {host.Name}, healthy, on the data of {legacy.Unit} (backed up at {data}.flotilla-pre-migrate); "
                + (masked.Succeeded ? $"{legacy.Unit} is masked until the next boot: remove it from {host.Name}'s configuration" : $"masking {legacy.Unit} failed: {masked.Tail(1)}; stop it from starting again"));
        }

        output($"{failure}; going back to {legacy.Unit}");
        var back = await GiveBackAsync(host, service, run, output, cancellationToken).ConfigureAwait(false);
        return back is null
            ? StepResult.RolledBack($"{failure}; {legacy.Unit} runs again, healthy, on its data as it was")
            : StepResult.NeedsAttention($"{failure}; going back to {legacy.Unit} failed too: {back} (its data was backed up at {data}.flotilla-pre-migrate)");
    }

    /// <summary>Returns a migrated service to its legacy unit: the container stopped, the legacy unit unmasked, its data given back, started and gated.</summary>
    public async Task<StepResult> RollbackAsync(Fleet fleet, Service service, Action<string> output, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(output);
        if (Problem(service) is { } problem)
        {
            return StepResult.Failed(problem);
        }

        var host = fleet.FindHost(service.Host)!;
        var run = Runner(host, output, cancellationToken);

        var status = await StatusAsync(host, service, cancellationToken).ConfigureAwait(false);
        if (status.Problem is { } unreachable)
        {
            return StepResult.Failed(unreachable);
        }

        if (!status.Migrated && status.LegacyState == "active")
        {
            return StepResult.Succeeded($"{service.Name} runs as {service.Legacy!.Unit} on {host.Name}: nothing to roll back");
        }

        var back = await GiveBackAsync(host, service, run, output, cancellationToken).ConfigureAwait(false);
        var target = ContainerData(service)!;
        return back is null
            ? StepResult.Succeeded($"{service.Name} runs as {service.Legacy!.Unit} on {host.Name} again, healthy" + (target != service.Legacy.DataDirectory ? $"; the container's data stays in {target}" : ""))
            : StepResult.Failed($"going back to {service.Legacy!.Unit} failed: {back}");
    }

    /// <summary>Runs a constant script on the host, every value a positional argument, its lines to <paramref name="output"/>.</summary>
    private Func<string, string[], Task<RemoteResult>> Runner(Host host, Action<string> output, CancellationToken cancellationToken) =>
        (script, arguments) => ssh.RunCommandAsync(host, RemoteShell.Script(script, arguments), null, output, cancellationToken);

    /// <summary>The container stopped, the legacy data given back, the legacy unit unmasked, started and gated; null when all of it worked.</summary>
    private async Task<string?> GiveBackAsync(Host host, Service service, Func<string, string[], Task<RemoteResult>> runAsync, Action<string> output, CancellationToken cancellationToken)
    {
        var legacy = service.Legacy!;
        output($"stopping {ContainerUnit(service)}");
        if (await runAsync(UnitsScript, ["stop", ContainerUnit(service)]) is { Succeeded: false } stopped)
        {
            return $"stopping {ContainerUnit(service)} failed (exit {stopped.ExitCode}): {stopped.Tail(2)}";
        }

        if (await runAsync(GiveBackScript, [legacy.DataDirectory!, ContainerData(service)!, Record(service)]) is { Succeeded: false } given)
        {
            return $"giving {legacy.DataDirectory} back failed (exit {given.ExitCode}): {given.Tail(2)}";
        }

        await runAsync(UnitsScript, ["unmask", legacy.Unit]);
        output($"starting {legacy.Unit}");
        var checks = legacy.HealthChecks.IsEmpty
            ? [.. legacy.Ports.Select(p => new HealthCheck { Kind = HealthCheckKind.Tcp, Port = p, Host = "localhost" })]
            : legacy.HealthChecks;
        if (await StartAndGateAsync(host, legacy.Unit, legacy.Unit, checks, output, cancellationToken).ConfigureAwait(false) is { } failed)
        {
            return failed;
        }

        await runAsync(RecordScript, [Record(service), "gone"]);
        return null;
    }

    private async Task<string?> StartAndGateAsync(Host host, string unit, string owner, IReadOnlyList<HealthCheck> checks, Action<string> output, CancellationToken cancellationToken)
    {
        if (await ssh.RunCommandAsync(host, RemoteShell.Script(UnitsScript, "start", unit), null, output, cancellationToken).ConfigureAwait(false) is { Succeeded: false } started)
        {
            return $"starting {unit} failed (exit {started.ExitCode}): {started.Tail(2)}";
        }

        if (checks.Count == 0)
        {
            return null;
        }

        var report = await new HealthChecker(ssh, options.TimeProvider).CheckAsync(host, owner, checks, output, cancellationToken).ConfigureAwait(false);
        return report.Passed ? null : $"{owner} is unhealthy: {report.Message}";
    }

    /// <summary>What keeps a service from being migrated here, or null.</summary>
    public static string? Problem(Service service)
    {
        ArgumentNullException.ThrowIfNull(service);
        if (service.Legacy is null || service.Container is null)
        {
            return $"{service.Name} has no legacy service to migrate from: give it a legacy part (or run it beside a NixOS unit of its name)";
        }

        if (service.Legacy.DataDirectory is null)
        {
            return $"{service.Name}'s legacy part names no data directory: set legacy.dataDir";
        }

        return ContainerData(service) is null
            ? $"{service.Name}'s container mounts no host directory for its data: add a volume (for example \"{service.Legacy.DataDirectory}:/config\")"
            : null;
    }

    /// <summary>Where the container keeps its data on the host: seed 000's dataDir, else the volume at /config (nixarr's), else its first host directory.</summary>
    public static string? ContainerData(Service service)
    {
        ArgumentNullException.ThrowIfNull(service);
        var container = service.Container;
        if (container is null)
        {
            return null;
        }

        var volumes = container.Volumes.Select(v => v.Split(':')).Where(p => p.Length >= 2 && p[0].StartsWith('/')).ToList();
        return container.DataDirectory
            ?? volumes.FirstOrDefault(p => p[1].TrimEnd('/') == "/config")?[0]
            ?? volumes.FirstOrDefault()?[0];
    }

    private string Record(Service service) => migration.HostStateDirectory.TrimEnd('/') + "/" + ContainerRun.NameOf(service);

    private static string ContainerUnit(Service service) => "podman-" + ContainerRun.NameOf(service) + ".service";

    /// <summary>The host ports the container takes: its published ports, and the service's own (host networking).</summary>
    private static IEnumerable<int> Ports(Service service)
    {
        foreach (var text in service.Container!.Ports)
        {
            if (PortMapping.TryParse(text, out var mapping) && !mapping.Udp)
            {
                for (var port = mapping.HostFirst; port <= mapping.HostLast; port++)
                {
                    yield return port;
                }
            }
        }

        foreach (var port in service.Ports)
        {
            yield return port;
        }
    }

    private static bool Overlaps(string a, string b)
    {
        a = a.TrimEnd('/') + "/";
        b = b.TrimEnd('/') + "/";
        return a.StartsWith(b, StringComparison.Ordinal) || b.StartsWith(a, StringComparison.Ordinal);
    }
}

/// <summary>Settings of <see cref="MigrationRunner"/>.</summary>
public sealed record MigrationOptions
{
    /// <summary>Where each host keeps its migration records (one file per container); it must survive a reboot.</summary>
    public string HostStateDirectory { get; init; } = "/var/lib/flotilla/migrations";
}
