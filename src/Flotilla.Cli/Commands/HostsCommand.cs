using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Flotilla.Cli.Output;
using Flotilla.Inventory;

namespace Flotilla.Cli.Commands;

/// <summary><c>flotilla hosts</c>: the hosts of the inventory with role, groups, target, platform and reboot order.</summary>
internal static class HostsCommand
{
    public static Command Create(CliContext context)
    {
        var file = CommonOptions.File();
        var json = CommonOptions.Json("Print a JSON list of host objects instead of a table");
        var command = new Command("hosts", "List the inventory's hosts; hosts add NAME adds a host to the control plane") { file, json };
        command.Subcommands.Add(TokensCommand.CreateHostsAdd(context));
        command.SetAction(async (parse, cancellationToken) =>
        {
            var fleet = await InventoryCommands.LoadValidAsync(context, parse.GetValue(file), cancellationToken).ConfigureAwait(false);
            if (fleet is null)
            {
                return ExitCodes.InvalidInput;
            }

            var servicesByHost = fleet.Services.ToLookup(s => s.Host);
            var views = fleet.Hosts.Select(h => HostView.From(h, [.. servicesByHost[h.Name].Select(s => s.Name)])).ToList();
            if (parse.GetValue(json))
            {
                await context.Output.WriteLineAsync(JsonSerializer.Serialize<IReadOnlyList<HostView>>(views, CliJsonContext.Default.IReadOnlyListHostView)).ConfigureAwait(false);
                return ExitCodes.Success;
            }

            var table = new TextTable("NAME", "ROLE", "GROUPS", "TARGET", "PLATFORM", "REBOOT-ORDER");
            foreach (var host in fleet.Hosts)
            {
                table.Add(
                    host.Name,
                    host.Role ?? "-",
                    host.Tags.IsEmpty ? "-" : string.Join(',', host.Tags),
                    host.Target.ToString(),
                    host.Platform.ToInventoryName(),
                    host.RebootOrder?.ToString(CultureInfo.InvariantCulture) ?? "-");
            }

            await context.Output.WriteAsync(table.ToString()).ConfigureAwait(false);
            return ExitCodes.Success;
        });
        return command;
    }
}
