using System.CommandLine;
using System.Globalization;
using Flotilla.Cli.Output;
using Flotilla.Execution;

namespace Flotilla.Cli.Commands;

/// <summary>
/// <c>flotilla backup [SELECTION] [--service S]</c>: service-aware backups with restic, in
/// dependency order (<see cref="BackupRunner"/>); <c>backup list</c>: each service's snapshots.
/// Exits 1 when a backup fails or is not verified.
/// </summary>
internal static class BackupCommand
{
    public static Command Create(CliContext context)
    {
        var file = CommonOptions.File();
        var selection = new SelectionOptions(context);
        var command = new Command("backup", "Back up the selected services that have a backup part (restic), in dependency order: stop what it says, snapshot, start and health-gate, verify, then apply retention to verified snapshots") { file };
        selection.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (await SelectAsync(context, file, selection, parse, cancellationToken).ConfigureAwait(false) is not var (fleet, services))
            {
                return ExitCodes.InvalidInput;
            }

            if (services.Count == 0)
            {
                await context.Output.WriteLineAsync("backup: no selected service has a backup part").ConfigureAwait(false);
                return ExitCodes.Success;
            }

            var results = await new BackupRunner().RunAsync(fleet, services, line => context.Output.WriteLine(line), cancellationToken).ConfigureAwait(false);
            var table = new TextTable("HOST", "SERVICE", "SNAPSHOT", "VERIFIED", "NOTE");
            foreach (var result in results)
            {
                table.Add(result.Host, result.Service, result.Snapshot ?? "-", result.Verified ? "yes" : "no", result.Message);
            }

            await context.Output.WriteAsync(table.ToString()).ConfigureAwait(false);
            return results.All(r => r.Succeeded) ? ExitCodes.Success : ExitCodes.Failed;
        });
        command.Subcommands.Add(List(context));
        return command;
    }

    private static Command List(CliContext context)
    {
        var file = CommonOptions.File();
        var selection = new SelectionOptions(context);
        var command = new Command("list", "Show the snapshots of each selected service with a backup part: time, id, paths, whether it was verified") { file };
        selection.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (await SelectAsync(context, file, selection, parse, cancellationToken).ConfigureAwait(false) is not var (fleet, services))
            {
                return ExitCodes.InvalidInput;
            }

            var snapshots = await new BackupRunner().ListAsync(fleet, services, cancellationToken).ConfigureAwait(false);
            var table = new TextTable("HOST", "SERVICE", "TIME", "SNAPSHOT", "VERIFIED", "PATHS");
            foreach (var snapshot in snapshots.OrderBy(s => s.Host, StringComparer.Ordinal).ThenBy(s => s.Service, StringComparer.Ordinal).ThenBy(s => s.Time))
            {
                table.Add(snapshot.Host, snapshot.Service, snapshot.Time.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture), snapshot.Id, snapshot.Verified ? "yes" : "no", string.Join(" ", snapshot.Paths));
            }

            await context.Output.WriteAsync(table.ToString()).ConfigureAwait(false);
            return ExitCodes.Success;
        });
        return command;
    }

    private static async Task<(Inventory.Fleet Fleet, IReadOnlyList<Inventory.Service> Services)?> SelectAsync(CliContext context, Option<string?> file, SelectionOptions selection, ParseResult parse, CancellationToken cancellationToken)
    {
        var fleet = await InventoryCommands.LoadValidAsync(context, parse.GetValue(file), cancellationToken).ConfigureAwait(false);
        if (fleet is null)
        {
            return null;
        }

        var chosen = selection.Read(parse);
        if (InventoryCommands.Select(context, fleet, chosen) is not { } hosts)
        {
            return null;
        }

        return (fleet, BackupRunner.Candidates(fleet, hosts, [.. chosen.Services]));
    }
}
