using Flotilla.Execution.Internal;
using Flotilla.Execution.Internal.Backups;
using Flotilla.Inventory;

namespace Flotilla.Execution;

/// <summary>How one service's backup ended: its snapshot, whether it was verified, and what retention removed.</summary>
public sealed record BackupResult(string Host, string Service, bool Succeeded, string? Snapshot, bool Verified, int Removed, string Message);

/// <summary>One snapshot of a service, as <c>flotilla backup list</c> shows it; <see cref="Size"/> in bytes, null when the tool did not say.</summary>
public sealed record BackupSnapshot(string Host, string Service, string Id, DateTimeOffset Time, bool Verified, IReadOnlyList<string> Paths)
{
    public long? Size { get; init; }
}

/// <summary>
/// Service-aware backups with restic or kopia on the service's host, over ssh (constant scripts,
/// every inventory value a positional argument): in dependency order; a service whose backup says
/// <c>stop</c> has its dependents on the host stopped first, then itself; its <c>before</c> hook;
/// the snapshot; its <c>after</c> hook; the service and then its dependents started again and
/// health-gated; then the snapshot is verified (the tool's check and a test restore of one of its
/// files into a scratch directory, its size compared), marked verified, and only then is
/// retention applied, to the service's verified snapshots only. The repository password is a
/// file on the host (<c>passwordFile</c>, or the <c>passwordKey</c> key's file): the tool reads
/// it there, it is never an argument. What differs per tool is in
/// <c>Internal/Backups</c> (one class per tool). Thread safe.
/// </summary>
public sealed class BackupRunner(DeployOptions? options = null)
{
    // $1 suffix, then the paths: each moved aside (kept) before a restore puts the snapshot's in its place.
    private const string AsideScript = """
        suffix=$1
        shift
        for path; do
          if [ -e "$path" ]; then mv -- "$path" "$path$suffix" || exit 1; fi
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

    private const string UnitsScript = """
        action=$1
        shift
        for unit; do systemctl "$action" "$unit" || exit 1; done
        """;

    private readonly DeployOptions options = options ?? new DeployOptions();

    /// <summary>The services a backup run takes, in dependency order: those with a backup part, the selected ones (or all).</summary>
    public static IReadOnlyList<Service> Candidates(Fleet fleet, IReadOnlyList<Host> hosts, IReadOnlyCollection<string> services) =>
        ServiceSelection.Ordered([.. ServiceSelection.Of(fleet, hosts, services, s => s.Backup is not null, _ => true)]);

    public async Task<IReadOnlyList<BackupResult>> RunAsync(Fleet fleet, IReadOnlyList<Service> services, Action<string> output, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(output);
        var ssh = options.Transports;
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
        var ssh = options.Transports;
        var snapshots = new List<BackupSnapshot>();
        foreach (var service in services)
        {
            if (Problem(fleet, service) is not null)
            {
                continue;
            }

            var session = new BackupSession(ssh, fleet.FindHost(service.Host)!, service, PasswordFile(fleet, service)!, _ => { });
            if (await Tool(service).ListAsync(session, cancellationToken).ConfigureAwait(false) is { } listed)
            {
                snapshots.AddRange(listed);
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
        if (snapshot is null)
        {
            var verified = (await ListAsync(fleet, [service], cancellationToken).ConfigureAwait(false)).Where(s => s.Verified).OrderBy(s => s.Time).LastOrDefault();
            if (verified is null)
            {
                return new BackupResult(host.Name, service.Name, false, null, false, 0, "it has no verified snapshot to restore: run flotilla backup first, or name one with --snapshot");
            }

            snapshot = verified.Id;
        }

        var ssh = options.Transports;
        var tool = Tool(service);
        var session = new BackupSession(ssh, host, service, PasswordFile(fleet, service)!, output);
        async Task<RemoteResult> RunAsync(string script, params string[] arguments) =>
            await session.RunAsync(script, arguments, true, cancellationToken).ConfigureAwait(false);

        if (target is not null)
        {
            var copied = await tool.RestoreToAsync(session, snapshot, target, cancellationToken).ConfigureAwait(false);
            return copied.Succeeded
                ? new BackupResult(host.Name, service.Name, true, snapshot, false, 0, $"snapshot {snapshot} restored into {target} on {host.Name}; the service was not touched")
                : new BackupResult(host.Name, service.Name, false, snapshot, false, 0, copied.Message);
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
        var aside = await RunAsync(AsideScript, [suffix, .. backup.Paths]);
        string? failure = aside.Succeeded ? null : $"moving the data from before aside failed (exit {aside.ExitCode}): {aside.Tail(2)}";
        if (failure is null && await tool.RestoreAsync(session, snapshot, cancellationToken).ConfigureAwait(false) is { Succeeded: false } restored)
        {
            failure = restored.Message;
        }

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

        var checker = new HealthChecker(options.Transports, options.TimeProvider);
        foreach (var gated in starting)
        {
            var report = await checker.CheckAsync(host, gated.Name, ContainerRun.GateChecks(gated), output, cancellationToken).ConfigureAwait(false);
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
        if (BackupTools.For(backup.Tool) is not { } tool)
        {
            return $"its backup tool is {backup.Tool}; flotilla backup drives restic and kopia";
        }

        if (tool.Problem(backup) is { } problem)
        {
            return problem;
        }

        return PasswordFile(fleet, service) is null ? "its backup names no password: set backup.passwordFile (a file on its host) or backup.passwordKey (one of the host's keys)" : null;
    }

    private async Task<BackupResult> BackUpAsync(IHostTransport ssh, Fleet fleet, Host host, Service service, Action<string> output, CancellationToken cancellationToken)
    {
        var backup = service.Backup!;
        if (Problem(fleet, service) is { } problem)
        {
            return new BackupResult(host.Name, service.Name, false, null, false, 0, problem);
        }

        var tool = Tool(service);
        var session = new BackupSession(ssh, host, service, PasswordFile(fleet, service)!, output);
        // The service and the services of its host that need it, stopped dependents first.
        var quiesced = backup.Stop ? [.. Dependents(fleet, service).Reverse(), service] : (IReadOnlyList<Service>)[];
        async Task<RemoteResult> RunAsync(string script, params string[] arguments) =>
            await session.RunAsync(script, arguments, true, cancellationToken).ConfigureAwait(false);

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
                var made = await tool.BackupAsync(session, cancellationToken).ConfigureAwait(false);
                snapshot = made.Value;
                failure = made.Succeeded ? null : made.Message;
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
        foreach (var gated in quiesced.Reverse())
        {
            var report = await checker.CheckAsync(host, gated.Name, ContainerRun.GateChecks(gated), output, cancellationToken).ConfigureAwait(false);
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
        var verified = await tool.VerifyAsync(session, snapshot!, scratch, cancellationToken).ConfigureAwait(false);
        if (verified.Succeeded && await tool.MarkVerifiedAsync(session, snapshot!, cancellationToken).ConfigureAwait(false) is { Succeeded: false } marked)
        {
            verified = marked;
        }

        if (!verified.Succeeded)
        {
            return new BackupResult(host.Name, service.Name, false, snapshot, false, 0, $"snapshot {snapshot} was not verified, so no retention was applied: {verified.Message}");
        }

        var removed = 0;
        if (Retention.Applies(backup))
        {
            (removed, var retentionFailure) = await tool.ApplyRetentionAsync(session, cancellationToken).ConfigureAwait(false);
            if (retentionFailure is not null)
            {
                return new BackupResult(host.Name, service.Name, false, snapshot, true, 0, $"snapshot {snapshot} is verified; {retentionFailure}");
            }
        }

        return new BackupResult(host.Name, service.Name, true, snapshot, true, removed,
            $"snapshot {snapshot} verified ({verified.Message})" + (Retention.Applies(backup) ? $"; retention removed {removed} older verified snapshot(s)" : ""));
    }

    private static IBackupTool Tool(Service service) => BackupTools.For(service.Backup!.Tool)!;

    private static string Unit(Service service) =>
        service.Container is not null ? "podman-" + ContainerRun.NameOf(service) + ".service"
        : service.Name.EndsWith(".service", StringComparison.Ordinal) ? service.Name : service.Name + ".service";

    private static string? PasswordFile(Fleet fleet, Service service) =>
        service.Backup!.PasswordFile
        ?? (service.Backup.PasswordKey is { } name && fleet.FindHost(service.Host)?.Keys.FirstOrDefault(k => k.Name == name) is { } key ? key.DestDir.TrimEnd('/') + "/" + key.Name : null);

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

        return ServiceSelection.Ordered([.. onHost.Where(s => needing.Contains(s.Name))]);
    }
}
