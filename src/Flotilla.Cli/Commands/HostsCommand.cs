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

            // NixMox's machines carry their Proxmox settings: shown when any host has them.
            var provisioned = fleet.Hosts.Any(h => h.Provisioning is not null);
            string[] columns = ["NAME", "ROLE", "GROUPS", "TARGET", "PLATFORM", "REBOOT-ORDER"];
            var table = new TextTable(provisioned ? [.. columns, "VMID", "CORES", "MEMORY", "DISK", "ONBOOT", "START"] : columns);
            foreach (var host in fleet.Hosts)
            {
                string[] cells =
                [
                    host.Name,
                    host.Role ?? "-",
                    host.Tags.IsEmpty ? "-" : string.Join(',', host.Tags),
                    host.Target.ToString(),
                    host.Platform.ToInventoryName(),
                    host.RebootOrder?.ToString(CultureInfo.InvariantCulture) ?? "-",
                ];
                table.Add(provisioned ? [.. cells, .. ProvisioningCells(host.Provisioning)] : cells);
            }

            await table.WriteAsync(context).ConfigureAwait(false);
            return ExitCodes.Success;
        });
        return command;
    }

    private static string[] ProvisioningCells(MachineProvisioning? p) =>
    [
        Number(p?.Vmid),
        Number(p?.Cores),
        p?.MemoryMiB is { } memory ? memory.ToString(CultureInfo.InvariantCulture) + " MiB" : "-",
        p?.DiskGiB is { } disk ? disk.ToString(CultureInfo.InvariantCulture) + " GiB" : "-",
        YesNo(p?.OnBoot),
        YesNo(p?.Start),
    ];

    private static string Number(int? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "-";

    private static string YesNo(bool? value) => value switch { true => "yes", false => "no", null => "-" };
}
