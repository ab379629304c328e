using System.Collections.Immutable;
using Flotilla.Diagnostics;
using Flotilla.Inventory;
using Flotilla.Planning;
using Flotilla.Validation;

namespace Flotilla.Cli.Commands;

/// <summary>Loading and validating the inventory the way every command does, with errors printed for a person.</summary>
internal static class InventoryCommands
{
    /// <summary>Loads and validates; prints every problem to stderr. Returns null when the inventory cannot be used.</summary>
    public static async Task<Fleet?> LoadValidAsync(CliContext context, string? path, CancellationToken cancellationToken)
    {
        var (fleet, diagnostics) = await LoadAsync(context, path, cancellationToken).ConfigureAwait(false);
        Print(context, diagnostics);
        return fleet is null || diagnostics.Any(d => d.IsError) ? null : fleet;
    }

    public static async Task<(Fleet? Fleet, ImmutableArray<Diagnostic> Diagnostics)> LoadAsync(CliContext context, string? path, CancellationToken cancellationToken)
    {
        try
        {
            var fleet = await InventoryLoader.LoadAsync(path, context.WorkingDirectory, cancellationToken).ConfigureAwait(false);
            return (fleet, FleetValidator.Validate(fleet));
        }
        catch (InventoryException e)
        {
            return (null, [.. e.Diagnostics]);
        }
    }

    /// <summary>The selected hosts in fleet order, or null after printing why the selection is invalid.</summary>
    public static IReadOnlyList<Host>? Select(CliContext context, Fleet fleet, Selection selection)
    {
        var selected = FleetSelector.Select(fleet, selection);
        if (!selected.Succeeded)
        {
            Print(context, selected.Errors);
            return null;
        }

        return [.. selected.Hosts.Select(name => fleet.FindHost(name)!)];
    }

    /// <summary>Prints warnings, then errors (so that errors are the last lines a person sees), each in source order.</summary>
    /// <summary>
    /// What a command on services works on: the valid inventory (<c>-f</c>) and, of the hosts the
    /// selection names, the services <paramref name="candidates"/> takes (those named with
    /// <c>--service</c>, else its default); null after saying what is wrong.
    /// </summary>
    public static async Task<(Fleet Fleet, IReadOnlyList<Service> Services)?> SelectServicesAsync(
        CliContext context,
        string? file,
        Selection selection,
        Func<Fleet, IReadOnlyList<Host>, IReadOnlyCollection<string>, IReadOnlyList<Service>> candidates,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(selection);
        ArgumentNullException.ThrowIfNull(candidates);
        var fleet = await LoadValidAsync(context, file, cancellationToken).ConfigureAwait(false);
        if (fleet is null || Select(context, fleet, selection) is not { } hosts)
        {
            return null;
        }

        return (fleet, candidates(fleet, hosts, [.. selection.Services]));
    }

    public static void Print(CliContext context, IEnumerable<Diagnostic> diagnostics)
    {
        var all = diagnostics.ToList();
        foreach (var diagnostic in all.Where(d => !d.IsError).Concat(all.Where(d => d.IsError)))
        {
            context.Error.WriteLine(Relative(context, diagnostic).ToString());
        }
    }

    /// <summary>Paths under the working directory print relative, as a person typed them.</summary>
    private static Diagnostic Relative(CliContext context, Diagnostic diagnostic)
    {
        if (diagnostic.File.Length == 0 || !Path.IsPathRooted(diagnostic.File))
        {
            return diagnostic;
        }

        var relative = Path.GetRelativePath(context.WorkingDirectory, diagnostic.File);
        return relative.StartsWith("..", StringComparison.Ordinal) ? diagnostic : diagnostic with { File = relative };
    }
}
