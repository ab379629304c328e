using System.CommandLine;
using Flotilla.Planning;

namespace Flotilla.Cli.Commands;

/// <summary><c>flotilla plan</c>: the dependency-ordered plan of an operation, rendered without running it (a dry run).</summary>
internal static class PlanCommand
{
    public static Command Create(CliContext context)
    {
        var file = CommonOptions.File();
        var selection = new SelectionOptions();
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
            var fleet = await InventoryCommands.LoadValidAsync(context, parse.GetValue(file), cancellationToken).ConfigureAwait(false);
            if (fleet is null)
            {
                return ExitCodes.InvalidInput;
            }

            var op = Enum.Parse<Operation>(parse.GetValue(operation)!, ignoreCase: true);
            var result = Planner.Build(fleet, op, selection.Read(parse));
            if (result.Plan is null)
            {
                InventoryCommands.Print(context, result.Errors);
                return ExitCodes.InvalidInput;
            }

            var planFormat = parse.GetValue(format) switch
            {
                "json" => PlanFormat.Json,
                "dot" => PlanFormat.Dot,
                "mermaid" => PlanFormat.Mermaid,
                _ => PlanFormat.Text,
            };
            await context.Output.WriteAsync(PlanRenderer.Render(result.Plan, planFormat)).ConfigureAwait(false);
            return ExitCodes.Success;
        });
        return command;
    }
}
