using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Flotilla.Cli.Output;
using Flotilla.Execution;
using Flotilla.Inventory;
using Flotilla.Planning;

namespace Flotilla.Cli.Commands;

/// <summary>
/// <c>flotilla status</c>: per selected host the generation it runs, whether that is the closure
/// the inventory builds now, whether a reboot is needed, and whether its health checks pass (run
/// once; nothing is rolled back). Exits 0 when every host is reachable, current and healthy.
/// </summary>
internal static class StatusCommand
{
    public static Command Create(CliContext context)
    {
        var file = CommonOptions.File();
        var selection = new SelectionOptions(context);
        var json = CommonOptions.Json("Print a JSON list of host objects instead of a table");
        var substituters = CommonOptions.Substituters("evaluating what the inventory builds");
        var storage = new Option<bool>("--storage") { Description = "Show the selected hosts' file systems instead, against their thresholds; exits 1 on any alert" };
        var storagePaths = new Option<string[]>("--storage-path") { Description = "With --storage: a path to check, with its thresholds in percent (repeatable; default: every real mount at 80,90)", HelpName = "PATH[=WARN,CRIT]", AllowMultipleArgumentsPerToken = false };
        var command = new Command("status", "Show each selected host's generation, whether it is current, needs a reboot, and is healthy") { file, json, substituters, storage, storagePaths };
        selection.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var fleet = await InventoryCommands.LoadValidAsync(context, parse.GetValue(file), cancellationToken).ConfigureAwait(false);
            if (fleet is null)
            {
                return ExitCodes.InvalidInput;
            }

            if (InventoryCommands.Select(context, fleet, selection.Read(parse)) is not { } hosts)
            {
                return ExitCodes.InvalidInput;
            }

            var options = new DeployOptions { Substituters = parse.GetValue(substituters) };
            if (parse.GetValue(storage))
            {
                if (Contracts.StorageThreshold.TryParseAll(parse.GetValue(storagePaths) ?? [], out var why) is not { } watched)
                {
                    await context.Error.WriteLineAsync($"status: --storage-path {why}").ConfigureAwait(false);
                    return ExitCodes.InvalidInput;
                }

                return await PrintStorageAsync(context, hosts, watched, options, parse.GetValue(json), cancellationToken).ConfigureAwait(false);
            }

            return await PrintAsync(context, fleet, hosts, options, parse.GetValue(json), cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary>Reads and prints the status of <paramref name="hosts"/>; returns the exit code (0: all reachable, current and healthy; else 1).</summary>
    public static async Task<int> PrintAsync(CliContext context, Fleet fleet, IReadOnlyList<Host> hosts, DeployOptions options, bool json, CancellationToken cancellationToken)
    {
        IReadOnlyList<StatusView> views;
        try
        {
            views = await ReadAsync(fleet, hosts, options, cancellationToken).ConfigureAwait(false);
        }
        catch (NixBuildException e)
        {
            await context.Error.WriteLineAsync($"status: cannot evaluate what {fleet.SourcePath} builds: {e.Message}").ConfigureAwait(false);
            return ExitCodes.Failed;
        }

        // One line per host the inventory builds nothing for: it is still reachable, healthy or not.
        foreach (var view in views.Where(v => v.SystemProblem is not null))
        {
            await context.Error.WriteLineAsync("status: " + view.SystemProblem).ConfigureAwait(false);
        }

        if (json)
        {
            await context.Output.WriteLineAsync(JsonSerializer.Serialize(views, CliJsonContext.Default.IReadOnlyListStatusView)).ConfigureAwait(false);
        }
        else
        {
            var table = new TextTable("HOST", "GENERATION", "CURRENT", "REBOOT", "HEALTH", "SYSTEM");
            foreach (var view in views)
            {
                table.Add(
                    view.Host,
                    view.Generation?.ToString(CultureInfo.InvariantCulture) ?? "-",
                    view.Error is not null ? "-" : !view.Compared ? "unknown" : view.Current ? "yes" : "no",
                    view.Error is not null ? "-" : view.PendingSystem is not null ? "needed: new system waits" : view.NeedsReboot ? "needed" : "no",
                    view.Error ?? (view.Healthy ? "healthy" : "UNHEALTHY: " + view.Health),
                    view.System is null ? "-" : Path.GetFileName(view.System));
            }

            await table.WriteAsync(context).ConfigureAwait(false);
        }

        return views.All(v => v.Error is null && (v.Current || !v.Compared) && v.Healthy) ? ExitCodes.Success : ExitCodes.Failed;
    }

    /// <summary><c>status --storage</c>: each host's file systems; 0 when every host answered and none is past a threshold, else 1.</summary>
    private static async Task<int> PrintStorageAsync(CliContext context, IReadOnlyList<Host> hosts, IReadOnlyList<Contracts.StorageThreshold> watched, DeployOptions options, bool json, CancellationToken cancellationToken)
    {
        var read = await new StorageReader(options).ReadAsync(hosts, watched, cancellationToken).ConfigureAwait(false);
        foreach (var host in read)
        {
            foreach (var path in host.Missing)
            {
                await context.Error.WriteLineAsync($"status: {host.Host} has no {path}").ConfigureAwait(false);
            }
        }

        if (json)
        {
            IReadOnlyList<StorageView> views = [.. read.SelectMany(h => h.Error is not null
                ? [new StorageView(h.Host, null, null, null, null, null, "error", h.Error)]
                : h.Storage.Select(s => new StorageView(h.Host, s.Path, s.TotalBytes, s.UsedBytes, s.UsedPercent, s.InodesPercent, s.Severity.ToString().ToLowerInvariant(), s.Reason)))];
            await context.Output.WriteLineAsync(JsonSerializer.Serialize(views, CliJsonContext.Default.IReadOnlyListStorageView)).ConfigureAwait(false);
        }
        else
        {
            var table = new TextTable("HOST", "PATH", "SIZE", "USED", "INODES", "STATE");
            foreach (var host in read)
            {
                if (host.Error is not null)
                {
                    table.Add(host.Host, "-", "-", "-", "-", host.Error);
                    continue;
                }

                foreach (var usage in host.Storage)
                {
                    table.Add(host.Host, usage.Path, Contracts.StorageUsage.FormatBytes(usage.TotalBytes), usage.UsedPercent.ToString("0.#", CultureInfo.InvariantCulture) + "%",
                        usage.InodesPercent.ToString("0.#", CultureInfo.InvariantCulture) + "%",
                        usage.Severity == Contracts.StorageSeverity.Ok ? "ok" : usage.Severity.ToString().ToUpperInvariant() + ": " + usage.Reason);
                }
            }

            await table.WriteAsync(context).ConfigureAwait(false);
        }

        return read.All(h => h.Error is null && h.Missing.Count == 0 && h.Storage.All(s => s.Severity == Contracts.StorageSeverity.Ok)) ? ExitCodes.Success : ExitCodes.Failed;
    }

    private static async Task<IReadOnlyList<StatusView>> ReadAsync(Fleet fleet, IReadOnlyList<Host> hosts, DeployOptions options, CancellationToken cancellationToken)
    {
        var statuses = await new HostStatusReader(options).ReadAsync(fleet, hosts, compareWithInventory: true, cancellationToken).ConfigureAwait(false);
        var health = new HostHealth(options);
        return await Task.WhenAll(hosts.Zip(statuses).Select(async pair =>
        {
            var (host, status) = pair;
            if (status.Error is not null)
            {
                return new StatusView(host.Name, null, false, false, false, false, null, null, null, status.Error, status.SystemProblem);
            }

            var checks = await health.CheckAsync(fleet, host, null, cancellationToken).ConfigureAwait(false);
            return new StatusView(
                host.Name,
                status.Generation,
                status.UpToDate == true,
                status.UpToDate is not null,
                status.NeedsReboot,
                checks.Healthy,
                checks.Message,
                status.CurrentSystem,
                status.BootedSystem,
                null,
                status.SystemProblem)
            {
                RebootReason = status.RebootReason,
                PendingSystem = status.PendingSystem,
            };
        })).ConfigureAwait(false);
    }
}
