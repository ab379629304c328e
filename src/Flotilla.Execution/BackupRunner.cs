using System.Globalization;
using System.Text.Json;
using Flotilla.Execution.Internal;
using Flotilla.Inventory;

namespace Flotilla.Execution;

/// <summary>How one service's backup ended: its snapshot, whether restic verified it, and what retention removed.</summary>
public sealed record BackupResult(string Host, string Service, bool Succeeded, string? Snapshot, bool Verified, int Removed, string Message);

/// <summary>One snapshot of a service, as <c>flotilla backup list</c> shows it.</summary>
public sealed record BackupSnapshot(string Host, string Service, string Id, DateTimeOffset Time, bool Verified, IReadOnlyList<string> Paths);

/// <summary>
/// Service-aware backups with restic on the service's host, over ssh (constant scripts, every
/// inventory value a positional argument): in dependency order; a service whose backup says
/// <c>stop</c> has its dependents on the host stopped first, then itself; its <c>before</c> hook;
/// <c>restic backup</c> (the repository made when it does not exist yet); its <c>after</c> hook;
/// the service and then its dependents started again and health-gated; then the snapshot is
/// verified (<c>restic check</c> and a test restore of one of its files into a scratch directory,
/// its size compared), tagged <c>verified</c>, and only then is retention applied, to verified
/// snapshots only. The repository password is a file on the host (<c>passwordFile</c>, or the
/// <c>passwordKey</c> key's file): restic reads it, it is never an argument. Thread safe.
/// </summary>
public sealed class BackupRunner(DeployOptions? options = null)
{
    private const string Restic = """
        export RESTIC_REPOSITORY="$1" RESTIC_PASSWORD_FILE="$2"
        shift 2
        """;

    // $1 repository, $2 password file, $3 service tag, then restic backup's arguments.
    private const string BackupScript = Restic + "\n" + """
        tag=$1
        shift
        restic cat config >/dev/null 2>&1 || restic init >/dev/null || exit 1
        exec restic backup --json --tag flotilla --tag "$tag" "$@"
        """;

    // $1 repository, $2 password file, $3 snapshot, $4 scratch directory: restic check, then one
    // file of the snapshot restored and its size compared with the snapshot's record of it.
    private const string VerifyScript = Restic + "\n" + """
        snapshot=$1 scratch=$2
        restic check >/dev/null || { echo "restic check failed"; exit 1; }
        line=$(restic ls --json "$snapshot" | grep '"type":"file"' | head -n 1)
        [ -n "$line" ] || { echo "verified: the snapshot holds no file to restore"; exit 0; }
        path=$(printf '%s' "$line" | sed 's/.*"path":"\([^"]*\)".*/\1/')
        size=$(printf '%s' "$line" | sed 's/.*"size":\([0-9]*\).*/\1/')
        rm -rf "$scratch"
        trap 'rm -rf "$scratch"' EXIT
        restic restore "$snapshot" --target "$scratch" --include "$path" >/dev/null || { echo "the test restore of $path failed"; exit 1; }
        got=$(stat -c %s "$scratch$path" 2>/dev/null)
        [ "$got" = "$size" ] || { echo "the test restore of $path has $got bytes, not $size"; exit 1; }
        restic tag --add verified "$snapshot" >/dev/null || exit 1
        echo "verified: restic check passed and $path ($size bytes) restored"
        """;

    // $1 repository, $2 password file, $3 service tag, then --keep-* arguments.
    private const string ForgetScript = Restic + "\n" + """
        tag=$1
        shift
        exec restic forget --json --prune --tag "$tag,verified" "$@"
        """;

    // $1 repository, $2 password file, $3 snapshot, $4 suffix for the kept data, then the paths:
    // each path moved aside (kept), then the snapshot's copy of it restored in its place.
    private const string RestoreScript = Restic + "\n" + """
        snapshot=$1 suffix=$2
        shift 2
        for path; do
          if [ -e "$path" ]; then mv -- "$path" "$path$suffix" || exit 1; fi
        done
        for path; do
          restic restore "$snapshot" --target / --include "$path" >/dev/null || { echo "restic restore of $path from $snapshot failed"; exit 1; }
          [ -e "$path" ] || mkdir -p -- "$path"
        done
        """;

    // $1 suffix, then the paths: "keep" drops the kept data, "back" puts it back in place of the restored.
    private const string KeptScript = """
        action=$1 suffix=$2
        shift 2
        for path; do
          [ -e "$path$suffix" ] || continue
          if [ "$action" = back ]; then rm -rf -- "$path" && mv -- "$path$suffix" "$path" || exit 1
          else rm -rf -- "$path$suffix" || exit 1; fi
        done
        """;

    // $1 repository, $2 password file, $3 target directory, $4 snapshot.
    private const string RestoreToScript = Restic + "\n" + """
        exec restic restore "$2" --target "$1"
        """;

    private const string SnapshotsScript = Restic + "\n" + """
        exec restic snapshots --json --tag "$1"
        """;

    private const string UnitsScript = """
        action=$1
        shift
        for unit; do systemctl "$action" "$unit" || exit 1; done
        """;

    private readonly DeployOptions options = options ?? new DeployOptions();

    /// <summary>The services a backup run takes, in dependency order: those with a backup part, the selected ones (or all).</summary>
    public static IReadOnlyList<Service> Candidates(Fleet fleet, IReadOnlyList<Host> hosts, IReadOnlyCollection<string> services) =>
        Order(fleet, [.. ServiceSelection.Of(fleet, hosts, services, s => s.Backup is not null, _ => true)]);

    public async Task<IReadOnlyList<BackupResult>> RunAsync(Fleet fleet, IReadOnlyList<Service> services, Action<string> output, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(output);
        var ssh = new SshTransport(options.Ssh);
        var results = new List<BackupResult>();
        foreach (var service in services)
        {
            var host = fleet.FindHost(service.Host)!;
            results.Add(await BackUpAsync(ssh, fleet, host, service, line => output($"{service.Host}/{service.Name}: {line}"), cancellationToken).ConfigureAwait(false));
        }

        return results;
    }

    public async Task<IReadOnlyList<BackupSnapshot>> ListAsync(Fleet fleet, IReadOnlyList<Service> services, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        ArgumentNullException.ThrowIfNull(services);
        var ssh = new SshTransport(options.Ssh);
        var snapshots = new List<BackupSnapshot>();
        foreach (var service in services)
        {
            var backup = service.Backup!;
            if (Problem(fleet, service) is not null)
            {
                continue;
            }

            var result = await ssh.RunCommandAsync(fleet.FindHost(service.Host)!.Target, RemoteShell.Script(SnapshotsScript, backup.Repository!, PasswordFile(fleet, service)!, Tag(service)), null, null, cancellationToken).ConfigureAwait(false);
            if (!result.Succeeded || result.Output.IndexOf('[', StringComparison.Ordinal) is var start && start < 0)
            {
                continue;
            }

            using var json = JsonDocument.Parse(result.Output[start..]);
            foreach (var item in json.RootElement.EnumerateArray())
            {
                var tags = item.TryGetProperty("tags", out var t) ? t.EnumerateArray().Select(e => e.GetString()).ToList() : [];
                snapshots.Add(new BackupSnapshot(
                    service.Host,
                    service.Name,
                    item.GetProperty("short_id").GetString()!,
                    DateTimeOffset.Parse(item.GetProperty("time").GetString()!, CultureInfo.InvariantCulture),
                    tags.Contains("verified"),
                    [.. item.GetProperty("paths").EnumerateArray().Select(p => p.GetString()!)]));
            }
        }

        return snapshots;
    }

    /// <summary>
    /// Restores a service's data from <paramref name="snapshot"/> (null: its newest verified
    /// snapshot). With <paramref name="target"/>, into that directory of its host and nothing else.
    /// In place: the service and (first) its dependents on the host are stopped, each backup path
    /// moved aside and the snapshot's restored, they start again in order and are health-gated;
    /// when one fails, the restored data is dropped, the data from before the restore put back, and
    /// the services started on it again. The data from before is kept until the service is healthy.
    /// </summary>
    public async Task<BackupResult> RestoreAsync(Fleet fleet, Service service, string? snapshot, string? target, Action<string> output, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(output);
        var host = fleet.FindHost(service.Host)!;
        if (service.Backup is null)
        {
            return new BackupResult(host.Name, service.Name, false, snapshot, false, 0, "it has no backup part: nothing to restore from");
        }

        if (Problem(fleet, service) is { } problem)
        {
            return new BackupResult(host.Name, service.Name, false, snapshot, false, 0, problem);
        }

        var backup = service.Backup;
        var password = PasswordFile(fleet, service)!;
        if (snapshot is null)
        {
            var verified = (await ListAsync(fleet, [service], cancellationToken).ConfigureAwait(false)).Where(s => s.Verified).OrderBy(s => s.Time).LastOrDefault();
            if (verified is null)
            {
                return new BackupResult(host.Name, service.Name, false, null, false, 0, "it has no verified snapshot to restore: run flotilla backup first, or name one with --snapshot");
            }

            snapshot = verified.Id;
        }

        var ssh = new SshTransport(options.Ssh);
        async Task<RemoteResult> RunAsync(string script, params string[] arguments) =>
            await ssh.RunCommandAsync(host.Target, RemoteShell.Script(script, arguments), null, output, cancellationToken).ConfigureAwait(false);

        if (target is not null)
        {
            var copied = await RunAsync(RestoreToScript, backup.Repository!, password, target, snapshot);
            return copied.Succeeded
                ? new BackupResult(host.Name, service.Name, true, snapshot, false, 0, $"snapshot {snapshot} restored into {target} on {host.Name}; the service was not touched")
                : new BackupResult(host.Name, service.Name, false, snapshot, false, 0, $"restic restore into {target} failed (exit {copied.ExitCode}): {copied.Tail(2)}");
        }

        var quiesced = (IReadOnlyList<Service>)[.. Dependents(fleet, service).Reverse(), service];
        var starting = quiesced.Reverse().ToList();
        var suffix = ".flotilla-pre-restore-" + snapshot;
        output("stopping " + string.Join(", ", quiesced.Select(s => s.Name)));
        if (await RunAsync(UnitsScript, ["stop", .. quiesced.Select(Unit)]) is { Succeeded: false } stopped)
        {
            await RunAsync(UnitsScript, ["start", .. starting.Select(Unit)]);
            return new BackupResult(host.Name, service.Name, false, snapshot, false, 0, $"stopping its services failed (exit {stopped.ExitCode}), nothing was restored: {stopped.Tail(2)}");
        }

        output($"restoring {string.Join(", ", backup.Paths)} from snapshot {snapshot} (the data from before kept beside it)");
        var restored = await RunAsync(RestoreScript, [backup.Repository!, password, snapshot, suffix, .. backup.Paths]);
        string? failure = restored.Succeeded ? null : $"the restore failed (exit {restored.ExitCode}): {restored.Tail(2)}";
        if (failure is null)
        {
            failure = await StartAndGateAsync(host, starting, RunAsync, output, cancellationToken).ConfigureAwait(false);
            if (failure is null)
            {
                await RunAsync(KeptScript, ["keep", suffix, .. backup.Paths]);
                return new BackupResult(host.Name, service.Name, true, snapshot, false, 0, $"snapshot {snapshot} restored; {string.Join(", ", starting.Select(s => s.Name))} running and healthy");
            }

            await RunAsync(UnitsScript, ["stop", .. quiesced.Select(Unit)]);
        }

        output("putting the data from before the restore back: " + failure);
        var back = await RunAsync(KeptScript, ["back", suffix, .. backup.Paths]);
        var again = await StartAndGateAsync(host, starting, RunAsync, output, cancellationToken).ConfigureAwait(false);
        return new BackupResult(host.Name, service.Name, false, snapshot, false, 0,
            back.Succeeded && again is null
                ? $"{failure}; the data from before the restore is back and {string.Join(", ", starting.Select(s => s.Name))} run healthy on it"
                : $"{failure}; putting the data from before back {(back.Succeeded ? "worked but " + again : "failed: " + back.Tail(2))}: check {host.Name} (the data from before is at PATH{suffix})");
    }

    private async Task<string?> StartAndGateAsync(Host host, IReadOnlyList<Service> starting, Func<string, string[], Task<RemoteResult>> runAsync, Action<string> output, CancellationToken cancellationToken)
    {
        output("starting " + string.Join(", ", starting.Select(s => s.Name)));
        if (await runAsync(UnitsScript, ["start", .. starting.Select(Unit)]) is { Succeeded: false } started)
        {
            return $"starting its services failed (exit {started.ExitCode}): {started.Tail(2)}";
        }

        var checker = new HealthChecker(new SshTransport(options.Ssh), options.TimeProvider);
        foreach (var gated in starting.Where(s => !s.HealthChecks.IsEmpty))
        {
            var report = await checker.CheckAsync(host, gated.Name, gated.HealthChecks, output, cancellationToken).ConfigureAwait(false);
            if (!report.Passed)
            {
                return $"{gated.Name} is unhealthy: {report.Message}";
            }
        }

        return null;
    }

    /// <summary>What keeps a service's backup from running here, or null.</summary>
    public static string? Problem(Fleet fleet, Service service)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        ArgumentNullException.ThrowIfNull(service);
        var backup = service.Backup!;
        if (backup.Tool != "restic")
        {
            return $"its backup tool is {backup.Tool}; flotilla backup drives restic (kopia's driver is not built yet)";
        }

        if (backup.Repository is null)
        {
            return "its backup names no repository: set backup.repository (a path or a restic repository URL on its host)";
        }

        if (backup.Paths.IsEmpty)
        {
            return "its backup names no paths: set backup.paths";
        }

        return PasswordFile(fleet, service) is null ? "its backup names no password: set backup.passwordFile (a file on its host) or backup.passwordKey (one of the host's keys)" : null;
    }

    private async Task<BackupResult> BackUpAsync(SshTransport ssh, Fleet fleet, Host host, Service service, Action<string> output, CancellationToken cancellationToken)
    {
        var backup = service.Backup!;
        if (Problem(fleet, service) is { } problem)
        {
            return new BackupResult(host.Name, service.Name, false, null, false, 0, problem);
        }

        var password = PasswordFile(fleet, service)!;
        // The service and the services of its host that need it, stopped dependents first.
        var quiesced = backup.Stop ? [.. Dependents(fleet, service).Reverse(), service] : (IReadOnlyList<Service>)[];
        async Task<RemoteResult> RunAsync(string script, params string[] arguments) =>
            await ssh.RunCommandAsync(host.Target, RemoteShell.Script(script, arguments), null, output, cancellationToken).ConfigureAwait(false);

        string? snapshot = null;
        string? failure = null;
        try
        {
            if (quiesced.Count > 0)
            {
                output("stopping " + string.Join(", ", quiesced.Select(s => s.Name)));
                if (await RunAsync(UnitsScript, ["stop", .. quiesced.Select(Unit)]) is { Succeeded: false } stopped)
                {
                    failure = $"stopping its services failed (exit {stopped.ExitCode}): {stopped.Tail(2)}";
                }
            }

            if (failure is null && backup.Before is { } before && await RunAsync("exec sh -c \"$1\"", before) is { Succeeded: false } beforeResult)
            {
                failure = $"its before hook exited with {beforeResult.ExitCode}: {beforeResult.Tail(2)}";
            }

            if (failure is null)
            {
                var made = await ssh.RunCommandAsync(host.Target, RemoteShell.Script(BackupScript, [backup.Repository!, password, Tag(service), .. backup.Exclude.Select(e => "--exclude=" + e), "--", .. backup.Paths]), null, null, cancellationToken).ConfigureAwait(false);
                snapshot = made.Succeeded ? SnapshotOf(made.Output) : null;
                failure = snapshot is null ? $"restic backup failed (exit {made.ExitCode}): {made.Tail(3)}" : null;
                if (snapshot is not null)
                {
                    output("snapshot " + snapshot);
                }
            }

            if (failure is null && backup.After is { } after && await RunAsync("exec sh -c \"$1\"", after) is { Succeeded: false } afterResult)
            {
                failure = $"its after hook exited with {afterResult.ExitCode}: {afterResult.Tail(2)}";
            }
        }
        finally
        {
            if (quiesced.Count > 0)
            {
                var starting = quiesced.Reverse().ToList();
                output("starting " + string.Join(", ", starting.Select(s => s.Name)));
                if (await RunAsync(UnitsScript, ["start", .. starting.Select(Unit)]) is { Succeeded: false } started)
                {
                    failure ??= $"starting its services again failed (exit {started.ExitCode}): {started.Tail(2)}";
                }
            }
        }

        // Health-gated: what was stopped must answer again before the snapshot counts.
        var checker = new HealthChecker(ssh, options.TimeProvider);
        foreach (var gated in quiesced.Reverse().Where(s => !s.HealthChecks.IsEmpty))
        {
            var report = await checker.CheckAsync(host, gated.Name, gated.HealthChecks, output, cancellationToken).ConfigureAwait(false);
            if (!report.Passed)
            {
                failure ??= $"{gated.Name} is unhealthy after the backup: {report.Message}";
            }
        }

        if (failure is not null)
        {
            return new BackupResult(host.Name, service.Name, false, snapshot, false, 0, failure);
        }

        var scratch = "/tmp/flotilla-restore-test-" + snapshot;
        var verified = await RunAsync(VerifyScript, backup.Repository!, password, snapshot!, scratch);
        if (!verified.Succeeded)
        {
            return new BackupResult(host.Name, service.Name, false, snapshot, false, 0, $"snapshot {snapshot} was not verified, so no retention was applied: {verified.Tail(2)}");
        }

        var keep = Keep(backup);
        var removed = 0;
        if (keep.Count > 0)
        {
            var forgot = await ssh.RunCommandAsync(host.Target, RemoteShell.Script(ForgetScript, [backup.Repository!, password, Tag(service), .. keep]), null, null, cancellationToken).ConfigureAwait(false);
            if (!forgot.Succeeded)
            {
                return new BackupResult(host.Name, service.Name, false, snapshot, true, 0, $"snapshot {snapshot} is verified; applying retention failed (exit {forgot.ExitCode}): {forgot.Tail(2)}");
            }

            removed = Removed(forgot.Output);
        }

        return new BackupResult(host.Name, service.Name, true, snapshot, true, removed,
            $"snapshot {snapshot} verified ({verified.Tail(1)})" + (keep.Count > 0 ? $"; retention removed {removed} older verified snapshot(s)" : ""));
    }

    private static string Tag(Service service) => "service=" + service.Name;

    private static string Unit(Service service) =>
        service.Container is not null ? "podman-" + ContainerRun.NameOf(service) + ".service"
        : service.Name.EndsWith(".service", StringComparison.Ordinal) ? service.Name : service.Name + ".service";

    private static string? PasswordFile(Fleet fleet, Service service) =>
        service.Backup!.PasswordFile
        ?? (service.Backup.PasswordKey is { } name && fleet.FindHost(service.Host)?.Keys.FirstOrDefault(k => k.Name == name) is { } key ? key.DestDir.TrimEnd('/') + "/" + key.Name : null);

    private static List<string> Keep(BackupSpec backup)
    {
        var keep = new List<string>();
        foreach (var (flag, count) in new[] { ("--keep-daily", backup.KeepDaily), ("--keep-weekly", backup.KeepWeekly), ("--keep-monthly", backup.KeepMonthly) })
        {
            if (count is { } n)
            {
                keep.Add(flag);
                keep.Add(n.ToString(CultureInfo.InvariantCulture));
            }
        }

        return keep;
    }

    /// <summary>restic backup --json's summary line: its snapshot id.</summary>
    internal static string? SnapshotOf(string output)
    {
        foreach (var line in output.Split('\n').Reverse())
        {
            if (line.Contains("\"message_type\":\"summary\"", StringComparison.Ordinal))
            {
                using var json = JsonDocument.Parse(line);
                return json.RootElement.TryGetProperty("snapshot_id", out var id) ? id.GetString()?[..8] : null;
            }
        }

        return null;
    }

    /// <summary>restic forget --json: how many snapshots it removed (its JSON is one line; prune's progress follows it).</summary>
    internal static int Removed(string output)
    {
        var line = output.Split('\n').FirstOrDefault(l => l.StartsWith('['));
        if (line is null)
        {
            return 0;
        }

        try
        {
            using var json = JsonDocument.Parse(line);
            return json.RootElement.EnumerateArray().Sum(group => group.TryGetProperty("remove", out var remove) && remove.ValueKind == JsonValueKind.Array ? remove.GetArrayLength() : 0);
        }
        catch (JsonException)
        {
            return 0;
        }
    }

    /// <summary>The services of <paramref name="service"/>'s host that need it, directly or not, in dependency order.</summary>
    private static IReadOnlyList<Service> Dependents(Fleet fleet, Service service)
    {
        var onHost = fleet.Services.Where(s => s.Host == service.Host && s.Name != service.Name).ToList();
        var needing = new HashSet<string>(StringComparer.Ordinal) { service.Name };
        bool added;
        do
        {
            added = false;
            foreach (var s in onHost.Where(s => !needing.Contains(s.Name) && s.DependsOn.Any(needing.Contains)))
            {
                needing.Add(s.Name);
                added = true;
            }
        }
        while (added);

        return Order(fleet, [.. onHost.Where(s => needing.Contains(s.Name))]);
    }

    /// <summary>Services in dependency order (a service after those it depends on), otherwise as the inventory lists them.</summary>
    private static List<Service> Order(Fleet fleet, List<Service> services)
    {
        var names = services.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        var done = new HashSet<string>(StringComparer.Ordinal);
        var ordered = new List<Service>();
        while (ordered.Count < services.Count)
        {
            var next = services.FirstOrDefault(s => !done.Contains(s.Name) && s.DependsOn.Where(names.Contains).All(done.Contains))
                ?? services.First(s => !done.Contains(s.Name));
            done.Add(next.Name);
            ordered.Add(next);
        }

        return ordered;
    }
}
