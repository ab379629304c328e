using System.CommandLine;
using System.Globalization;
using Flotilla.Cli.Output;
using Flotilla.Execution;

namespace Flotilla.Cli.Commands;

/// <summary>
/// <c>flotilla backup [SELECTION] [--service S]</c>: service-aware backups with restic or kopia, in
/// dependency order (<see cref="BackupRunner"/>); <c>backup list</c>: each service's snapshots.
/// Exits 1 when a backup fails or is not verified.
/// </summary>
internal static class BackupCommand
{
    public static Command Create(CliContext context)
    {
        var file = CommonOptions.File();
        var selection = new SelectionOptions(context);
        var command = new Command("backup", "Back up the selected services that have a backup part (restic or kopia), in dependency order: stop what it says, snapshot, start and health-gate, verify, then apply retention to verified snapshots") { file };
        selection.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (await InventoryCommands.SelectServicesAsync(context, parse.GetValue(file), selection.Read(parse), BackupRunner.Candidates, cancellationToken).ConfigureAwait(false) is not var (fleet, services))
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

            await table.WriteAsync(context).ConfigureAwait(false);
            return results.All(r => r.Succeeded) ? ExitCodes.Success : ExitCodes.Failed;
        });
        command.Subcommands.Add(List(context));
        return command;
    }

    /// <summary><c>flotilla restore HOST/SERVICE [--snapshot ID] [--to DIR]</c>.</summary>
    public static Command Restore(CliContext context)
    {
        var file = CommonOptions.File();
        var target = new Argument<string>("HOST/SERVICE") { Description = "The service whose data to restore: its host, a slash, its name" };
        var snapshot = new Option<string?>("--snapshot") { Description = "The snapshot to restore (default: the service's newest verified one)", HelpName = "ID" };
        var to = new Option<string?>("--to") { Description = "Restore into this directory of the host instead, and leave the service alone", HelpName = "DIR" };
        var command = new Command("restore", "Restore a service's data from its backup: stop it and its dependents, restore, start them in order and health-gate; on failure the data from before is put back") { file, target, snapshot, to };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var fleet = await InventoryCommands.LoadValidAsync(context, parse.GetValue(file), cancellationToken).ConfigureAwait(false);
            if (fleet is null)
            {
                return ExitCodes.InvalidInput;
            }

            var text = parse.GetValue(target)!;
            var slash = text.IndexOf('/', StringComparison.Ordinal);
            var service = slash <= 0 ? null : fleet.Services.FirstOrDefault(s => s.Host == text[..slash] && (s.Name == text[(slash + 1)..] || s.Name == text));
            if (service is null)
            {
                await context.Error.WriteLineAsync($"restore: \"{text}\" names no service of the inventory; write HOST/SERVICE (flotilla services lists them)").ConfigureAwait(false);
                return ExitCodes.InvalidInput;
            }

            if (parse.GetValue(to) is { } directory && !directory.StartsWith('/'))
            {
                await context.Error.WriteLineAsync($"restore: --to {directory}: give an absolute directory of the host").ConfigureAwait(false);
                return ExitCodes.InvalidInput;
            }

            var result = await new BackupRunner().RestoreAsync(fleet, service, parse.GetValue(snapshot), parse.GetValue(to), line => context.Output.WriteLine($"{service.Host}/{service.Name}: {line}"), cancellationToken).ConfigureAwait(false);
            await (result.Succeeded ? context.Output : context.Error).WriteLineAsync($"restore: {result.Host}/{result.Service}: {result.Message}").ConfigureAwait(false);
            return result.Succeeded ? ExitCodes.Success : ExitCodes.Failed;
        });
        return command;
    }

    private static Command List(CliContext context)
    {
        var file = CommonOptions.File();
        var selection = new SelectionOptions(context);
        var command = new Command("list", "Show the snapshots of each selected service with a backup part: time, id, size, whether it was verified, paths") { file };
        selection.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (await InventoryCommands.SelectServicesAsync(context, parse.GetValue(file), selection.Read(parse), BackupRunner.Candidates, cancellationToken).ConfigureAwait(false) is not var (fleet, services))
            {
                return ExitCodes.InvalidInput;
            }

            var snapshots = await new BackupRunner().ListAsync(fleet, services, cancellationToken).ConfigureAwait(false);
            var table = new TextTable("HOST", "SERVICE", "TIME", "SNAPSHOT", "SIZE", "VERIFIED", "PATHS");
            foreach (var snapshot in snapshots.OrderBy(s => s.Host, StringComparer.Ordinal).ThenBy(s => s.Service, StringComparer.Ordinal).ThenBy(s => s.Time))
            {
                table.Add(snapshot.Host, snapshot.Service, snapshot.Time.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture), snapshot.Id, snapshot.Size is { } size ? Contracts.StorageUsage.FormatBytes(size) : "-", snapshot.Verified ? "yes" : "no", string.Join(" ", snapshot.Paths));
            }

            await table.WriteAsync(context).ConfigureAwait(false);
            return ExitCodes.Success;
        });
        return command;
    }
}
