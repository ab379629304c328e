using System.CommandLine;
using System.Globalization;
using Flotilla.Cli.Output;
using Flotilla.Lab;

namespace Flotilla.Cli.Commands;

/// <summary>
/// <c>flotilla lab up|inventory|status|fault|down</c>: a real fleet of NixOS-like hosts on this
/// machine (network namespaces, their own Nix store and sshd) to try Flotilla on and to test it.
/// </summary>
internal static class LabCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("lab", "A fleet of NixOS-like test hosts on this machine (needs root); docs/lab.md");
        command.Subcommands.Add(Up(context));
        command.Subcommands.Add(Inventory(context));
        command.Subcommands.Add(Status(context));
        command.Subcommands.Add(Fault(context));
        command.Subcommands.Add(Down(context));
        return command;
    }

    private static Option<string> NameOption() => new("--name")
    {
        Description = "The lab's name (lower-case letters, digits, '-')",
        DefaultValueFactory = _ => "demo",
    };

    private static Option<string> StateOption() => new("--state-dir")
    {
        Description = "Where labs keep their state",
        DefaultValueFactory = _ => LabOptions.DefaultStateRoot,
        HelpName = "DIR",
    };

    private static Command Up(CliContext context)
    {
        var name = NameOption();
        var state = StateOption();
        var file = CommonOptions.File();
        file.Description = "Recreate the hosts of this inventory (with their metadata, dependencies and health checks)";
        var hosts = new Option<int?>("--hosts") { Description = "Make N generic hosts instead of an inventory's", HelpName = "N" };
        var command = new Command("up", "Create the lab: one host per inventory host, first generation built and activated") { name, state, file, hosts };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var count = parse.GetValue(hosts);
            var path = parse.GetValue(file);
            if ((count is null) == (path is null))
            {
                await context.Error.WriteLineAsync("lab up: give either -f INVENTORY or --hosts N").ConfigureAwait(false);
                return ExitCodes.InvalidInput;
            }

            if (count is < 1 or > 200)
            {
                await context.Error.WriteLineAsync("lab up: --hosts takes a number from 1 to 200").ConfigureAwait(false);
                return ExitCodes.InvalidInput;
            }

            Inventory.Fleet? fleet = null;
            if (path is not null)
            {
                fleet = await InventoryCommands.LoadValidAsync(context, path, cancellationToken).ConfigureAwait(false);
                if (fleet is null)
                {
                    return ExitCodes.InvalidInput;
                }
            }

            return await RunAsync(context, async () =>
            {
                var lab = await Lab.Lab.UpAsync(
                    new LabOptions { Name = parse.GetValue(name)!, StateRoot = parse.GetValue(state)!, Fleet = fleet, HostCount = count ?? 0 },
                    cancellationToken).ConfigureAwait(false);
                var table = new TextTable("HOST", "ADDRESS", "SERVICES");
                foreach (var host in lab.Hosts)
                {
                    table.Add(host.Name, host.Address, host.Services.Count == 0 ? "-" : string.Join(", ", host.Services.Select(s => s.Port == 0 ? s.Name : $"{s.Name}:{s.Port.ToString(CultureInfo.InvariantCulture)}")));
                }

                await table.WriteAsync(context).ConfigureAwait(false);
                await context.Output.WriteLineAsync($"ssh: ssh -F {lab.SshConfigPath} {lab.Hosts[0].Name}").ConfigureAwait(false);
                await context.Output.WriteLineAsync(lab.InventoryDirectory).ConfigureAwait(false);
            }).ConfigureAwait(false);
        });
        return command;
    }

    private static Command Inventory(CliContext context)
    {
        var name = NameOption();
        var state = StateOption();
        var command = new Command("inventory", "Print the lab's flake directory (its last line), to pass to -f") { name, state };
        command.SetAction((parse, cancellationToken) => RunAsync(context, async () =>
        {
            var lab = await Lab.Lab.OpenAsync(parse.GetValue(name)!, parse.GetValue(state), null, cancellationToken).ConfigureAwait(false);
            await context.Output.WriteLineAsync(lab.InventoryDirectory).ConfigureAwait(false);
        }));
        return command;
    }

    private static Command Status(CliContext context)
    {
        var name = NameOption();
        var state = StateOption();
        var command = new Command("status", "Show each lab host: running, reachable, boot id, system, services, faults, memory") { name, state };
        command.SetAction((parse, cancellationToken) => RunAsync(context, async () =>
        {
            var lab = await Lab.Lab.OpenAsync(parse.GetValue(name)!, parse.GetValue(state), null, cancellationToken).ConfigureAwait(false);
            var status = await lab.StatusAsync(cancellationToken).ConfigureAwait(false);
            var table = new TextTable("HOST", "ADDRESS", "RUNNING", "LINK", "SSH", "REBOOT", "SERVICES", "FAULTS", "MEMORY");
            foreach (var host in status.Hosts)
            {
                table.Add(
                    host.Name,
                    host.Address,
                    YesNo(host.Running),
                    host.LinkUp ? "up" : "down",
                    YesNo(host.SshListening),
                    host.RebootRequired ? "needed" : "-",
                    host.Services.Count == 0 ? "-" : string.Join(", ", host.Services.Select(s => $"{s.Key}={s.Value}")),
                    host.Faults.Count == 0 ? "-" : string.Join(",", host.Faults),
                    (host.MemoryBytes / 1048576.0).ToString("F1", CultureInfo.InvariantCulture) + " MiB");
            }

            await table.WriteAsync(context).ConfigureAwait(false);
        }));
        return command;
    }

    private static Command Fault(CliContext context)
    {
        var name = NameOption();
        var state = StateOption();
        var host = new Argument<string>("HOST") { Description = "The lab host" };
        var kind = new Argument<string>("KIND") { Description = "What to break: " + string.Join(", ", LabFaultNames.All) + ", or heal" };
        var seconds = new Option<int?>("--seconds") { Description = "How long the fault lasts (unreachable, activation-fails); default: until healed", HelpName = "N" };
        var container = new Option<string?>("--container") { Description = "A container of the host instead: KIND is unhealthy, killed, crashing (exits at every start) or heal", HelpName = "NAME" };
        var command = new Command("fault", "Inject a fault into a lab host (or one of its containers), for real") { name, state, host, kind, seconds, container };
        command.SetAction((parse, cancellationToken) => RunAsync(context, async () =>
        {
            var lab = await Lab.Lab.OpenAsync(parse.GetValue(name)!, parse.GetValue(state), null, cancellationToken).ConfigureAwait(false);
            var what = parse.GetValue(kind)!;
            if (parse.GetValue(container) is { } containerName)
            {
                var containerFault = what switch
                {
                    "unhealthy" => LabContainerFault.Unhealthy,
                    "killed" or "kill" => LabContainerFault.Killed,
                    "crashing" => LabContainerFault.Crashing,
                    "heal" or "healed" => LabContainerFault.Healed,
                    _ => throw new LabException($"unknown container fault \"{what}\"; use unhealthy, killed, crashing or heal"),
                };
                await lab.ContainerFaultAsync(parse.GetValue(host)!, containerName, containerFault, cancellationToken).ConfigureAwait(false);
                return;
            }

            if (what == "heal")
            {
                await lab.HealAsync(parse.GetValue(host)!, cancellationToken).ConfigureAwait(false);
                return;
            }

            if (!LabFaultNames.TryParse(what, out var fault))
            {
                throw new LabException($"unknown fault \"{what}\"; use one of {string.Join(", ", LabFaultNames.All)} or heal");
            }

            var duration = parse.GetValue(seconds) is { } s ? TimeSpan.FromSeconds(s) : (TimeSpan?)null;
            await lab.FaultAsync(parse.GetValue(host)!, fault, duration, cancellationToken).ConfigureAwait(false);
        }));
        return command;
    }

    private static Command Down(CliContext context)
    {
        var name = NameOption();
        var state = StateOption();
        var command = new Command("down", "Remove the lab: every namespace, link, mount, process and file it made") { name, state };
        command.SetAction((parse, cancellationToken) => RunAsync(context, () =>
            Lab.Lab.DownAsync(parse.GetValue(name)!, parse.GetValue(state), cancellationToken)));
        return command;
    }

    private static string YesNo(bool value) => value ? "yes" : "no";

    private static async Task<int> RunAsync(CliContext context, Func<Task> action)
    {
        try
        {
            await action().ConfigureAwait(false);
            return ExitCodes.Success;
        }
        catch (LabException e)
        {
            await context.Error.WriteLineAsync("lab: " + e.Message).ConfigureAwait(false);
            return ExitCodes.Failed;
        }
    }
}
