using System.CommandLine;
using Flotilla.Diagnostics;
using Flotilla.Inventory;

namespace Flotilla.Cli.Commands;

/// <summary>
/// <c>flotilla init [FLAKE]</c>: looks at an existing flake's machines (nixosConfigurations,
/// colmena's deployment.*, deploy-rs' nodes) and writes the <c>flotilla.machine</c> settings it
/// can infer to <c>flotilla-machines.nix</c> beside it, so a colmena or deploy-rs user starts from
/// what they have. It never overwrites a file without <c>--force</c>.
/// </summary>
internal static class InitCommand
{
    private const string FileName = "flotilla-machines.nix";

    public static Command Create(CliContext context)
    {
        var flake = new Argument<string>("FLAKE") { Description = "The flake's directory", DefaultValueFactory = _ => "." };
        var output = new Option<string?>("--output", "-o") { Description = $"Where to write (default: {FileName} in the flake's directory; - for standard output)", HelpName = "PATH" };
        var force = new Option<bool>("--force") { Description = "Overwrite the output file if it exists" };
        var command = new Command("init", "Write flotilla.machine settings inferred from an existing flake (hostnames; colmena's or deploy-rs' targets and tags)") { flake, output, force };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var directory = Path.GetFullPath(parse.GetValue(flake)!, context.WorkingDirectory);
            IReadOnlyList<InferredMachine> machines;
            try
            {
                machines = await FlakeMachines.InferAsync(directory, cancellationToken).ConfigureAwait(false);
            }
            catch (InventoryException e)
            {
                InventoryCommands.Print(context, e.Diagnostics);
                return ExitCodes.InvalidInput;
            }

            if (machines.Count == 0)
            {
                await context.Error.WriteLineAsync($"init: {Path.Combine(directory, "flake.nix")}: no machines in nixosConfigurations, colmena or deploy.nodes; nothing to write").ConfigureAwait(false);
                return ExitCodes.Failed;
            }

            var text = FlakeMachines.ToNix(machines, Path.Combine(directory, "flake.nix"));
            var target = parse.GetValue(output) is { } given ? given : Path.Combine(directory, FileName);
            if (target == "-")
            {
                await context.Output.WriteAsync(text).ConfigureAwait(false);
                return ExitCodes.Success;
            }

            target = Path.GetFullPath(target, context.WorkingDirectory);
            if (File.Exists(target) && !parse.GetValue(force))
            {
                await context.Error.WriteLineAsync($"init: {target} exists; give --force to overwrite it, or --output another path (- for standard output)").ConfigureAwait(false);
                return ExitCodes.InvalidInput;
            }

            await File.WriteAllTextAsync(target, text, cancellationToken).ConfigureAwait(false);
            foreach (var machine in machines.OrderBy(m => m.Name, StringComparer.Ordinal))
            {
                var where = machine.Address is null ? "(its name)" : $"{machine.User ?? "root"}@{machine.Address}{(machine.Port is { } p ? ":" + p : "")}";
                await context.Output.WriteLineAsync($"{machine.Name}: {where} from {machine.Source}{(machine.Groups.Count > 0 ? "; groups " + string.Join(", ", machine.Groups) : "")}{(machine.InNixosConfigurations ? "" : "; not in nixosConfigurations")}").ConfigureAwait(false);
            }

            await context.Output.WriteLineAsync($"init: wrote {target}; add flotilla.nixosModules.machine and (import ./{Path.GetFileName(target)}).NAME to each machine's modules, then run flotilla validate").ConfigureAwait(false);
            return ExitCodes.Success;
        });
        return command;
    }
}
