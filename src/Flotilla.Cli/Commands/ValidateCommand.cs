using System.CommandLine;
using System.Globalization;
using System.Text.RegularExpressions;
using Flotilla.Diagnostics;

namespace Flotilla.Cli.Commands;

/// <summary>
/// <c>flotilla validate</c>: exit 0 when the inventory is valid, else 1. One line per problem on
/// stderr, warnings first and errors last; then the warnings counted by kind and the errors counted.
/// </summary>
internal static partial class ValidateCommand
{
    public static Command Create(CliContext context)
    {
        var file = CommonOptions.File();
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Print errors only (warnings are still counted)" };
        var command = new Command("validate", "Check the inventory: references, cycles, duplicate addresses and ports, health checks, types") { file, quiet };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var (fleet, diagnostics) = await InventoryCommands.LoadAsync(context, parse.GetValue(file), cancellationToken).ConfigureAwait(false);
            var warnings = diagnostics.Where(d => !d.IsError).ToList();
            if (!parse.GetValue(quiet))
            {
                InventoryCommands.Print(context, warnings);
            }

            if (warnings.Count > 0)
            {
                await context.Error.WriteLineAsync(WarningSummary(warnings)).ConfigureAwait(false);
            }

            InventoryCommands.Print(context, diagnostics.Where(d => d.IsError));

            var errors = diagnostics.Count(d => d.IsError);
            if (fleet is null || errors > 0)
            {
                await context.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"invalid: {errors} error{(errors == 1 ? "" : "s")}")).ConfigureAwait(false);
                return ExitCodes.Failed;
            }

            await context.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"valid: {fleet.Hosts.Length} hosts, {fleet.Services.Length} services ({fleet.Format.ToString().ToLowerInvariant()})")).ConfigureAwait(false);
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary><c>warnings: 97 (95 unknown attribute, 2 nix_core lists "…" before "…")</c>, most frequent kind first.</summary>
    internal static string WarningSummary(IReadOnlyCollection<Diagnostic> warnings)
    {
        var kinds = warnings
            .GroupBy(w => Kind(w.Message), StringComparer.Ordinal)
            .OrderByDescending(g => g.Count())
            .ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => string.Create(CultureInfo.InvariantCulture, $"{g.Count()} {g.Key}"));
        return string.Create(CultureInfo.InvariantCulture, $"warnings: {warnings.Count} ({string.Join(", ", kinds)})");
    }

    /// <summary>A warning's kind: its message with the names in it left out, cut at its first clause.</summary>
    private static string Kind(string message)
    {
        var kind = QuotedName().Replace(message, "\"…\"");
        var clause = kind.IndexOfAny([';', ':', '(', ',']);
        kind = (clause > 0 ? kind[..clause] : kind).Trim().TrimEnd(',');
        return kind.Length <= 60 ? kind : kind[..57] + "...";
    }

    [GeneratedRegex("\"[^\"]*\"")]
    private static partial Regex QuotedName();
}
