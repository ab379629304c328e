using System.CommandLine;
using System.Globalization;

namespace Flotilla.Cli.Commands;

/// <summary><c>flotilla validate</c>: exit 0 when the inventory is valid, else 1 with one line per problem.</summary>
internal static class ValidateCommand
{
    public static Command Create(CliContext context)
    {
        var file = CommonOptions.File();
        var command = new Command("validate", "Check the inventory: references, cycles, duplicate addresses and ports, health checks, types") { file };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var (fleet, diagnostics) = await InventoryCommands.LoadAsync(context, parse.GetValue(file), cancellationToken).ConfigureAwait(false);
            InventoryCommands.Print(context, diagnostics);
            var errors = diagnostics.Count(d => d.IsError);
            if (fleet is null || errors > 0)
            {
                await context.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"invalid: {errors} problem{(errors == 1 ? "" : "s")}")).ConfigureAwait(false);
                return ExitCodes.Failed;
            }

            await context.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"valid: {fleet.Hosts.Length} hosts, {fleet.Services.Length} services ({fleet.Format.ToString().ToLowerInvariant()})")).ConfigureAwait(false);
            return ExitCodes.Success;
        });
        return command;
    }
}
