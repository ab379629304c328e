using System.CommandLine;
using Flotilla.Planning;

namespace Flotilla.Cli.Commands;

/// <summary><c>flotilla plan</c>: the dependency-ordered plan of an operation, rendered without running it (a dry run).</summary>
internal static class PlanCommand
{
    public static Command Create(CliContext context)
    {
        var file = CommonOptions.File();
        var selection = new SelectionOptions(context);
        var operation = new Option<string>("--op")
        {
            Description = "The operation to plan",
            DefaultValueFactory = _ => "deploy",
        };
        operation.AcceptOnlyFromAmong("deploy", "reboot", "rollback");
        var format = new Option<string>("--format")
        {
            Description = "How to print the plan: text for a person, json (docs/plan.md), dot (Graphviz) or mermaid",
            DefaultValueFactory = _ => "text",
        };
        format.AcceptOnlyFromAmong("text", "json", "dot", "mermaid");

        var command = new Command("plan", "Show what an operation would do, in dependency order, without doing it") { file, operation, format };
        selection.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var planFormat = parse.GetValue(format) switch
            {
                "json" => PlanFormat.Json,
                "dot" => PlanFormat.Dot,
                "mermaid" => PlanFormat.Mermaid,
                _ => PlanFormat.Text,
            };
            var op = Enum.Parse<Operation>(parse.GetValue(operation)!, ignoreCase: true);
            return await PrintAsync(context, parse.GetValue(file), op, selection.Read(parse), planFormat, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary>
    /// Loads and validates the inventory and prints the plan of an operation; changes nothing.
    /// What <c>plan</c> does, and what <c>deploy</c>, <c>rollback</c> and <c>reboot</c> do with <c>--dry-run</c>.
    /// </summary>
    public static async Task<int> PrintAsync(CliContext context, string? file, Operation operation, Selection selection, PlanFormat format, CancellationToken cancellationToken)
    {
        var fleet = await InventoryCommands.LoadValidAsync(context, file, cancellationToken).ConfigureAwait(false);
        if (fleet is null)
        {
            return ExitCodes.InvalidInput;
        }

        var result = Planner.Build(fleet, operation, selection);
        if (result.Plan is null)
        {
            InventoryCommands.Print(context, result.Errors);
            return ExitCodes.InvalidInput;
        }

        await context.Output.WriteAsync(PlanRenderer.Render(result.Plan, format)).ConfigureAwait(false);
        return ExitCodes.Success;
    }
}
