using System.CommandLine;
using System.CommandLine.Completions;
using Flotilla.Contracts;
using Flotilla.Diagnostics;
using Flotilla.Inventory;
using Flotilla.Planning;

namespace Flotilla.Cli.Commands;

/// <summary><c>--on</c>, <c>--service</c> and <c>--with-dependents</c>, shared by every command that selects hosts.</summary>
internal sealed class SelectionOptions(CliContext context)
{
    public Option<string[]> On { get; } = new("--on")
    {
        Description = "Hosts to act on: " + HostSelector.Grammar + " (@tag selects tags and groups alike); the union of all (default: every host)",
        HelpName = "SELECTOR",
        AllowMultipleArgumentsPerToken = false,
    };

    public Option<string[]> Service { get; } = new("--service")
    {
        Description = "A service: it, everything it needs, and the hosts that run them (repeatable)",
        HelpName = "NAME",
    };

    public Option<bool> WithDependents { get; } = new("--with-dependents")
    {
        Description = "Also select every host that depends on a selected host",
    };

    public void AddTo(Command command)
    {
        // Shell completion (flotilla completion bash|zsh|fish): the inventory's hosts and tags
        // after --on, its services after --service.
        On.CompletionSources.Add(completion => Complete(completion, context.WorkingDirectory, fleet =>
            [.. fleet.Hosts.Select(h => h.Name), .. fleet.Hosts.SelectMany(h => h.Tags).Distinct(StringComparer.Ordinal).Select(t => "@" + t)]));
        Service.CompletionSources.Add(completion => Complete(completion, context.WorkingDirectory, fleet => [.. fleet.Services.Select(s => s.Name)]));
        command.Options.Add(On);
        command.Options.Add(Service);
        command.Options.Add(WithDependents);
    }

    public Selection Read(ParseResult parse) => new()
    {
        On = HostSelector.Split(parse.GetValue(On)),
        Services = HostSelector.Split(parse.GetValue(Service)),
        WithDependents = parse.GetValue(WithDependents),
    };

    /// <summary>Completions from the inventory the command line names with <c>-f</c> (else the current directory's); none when it cannot be read.</summary>
    private static IEnumerable<CompletionItem> Complete(CompletionContext context, string workingDirectory, Func<Fleet, IEnumerable<string>> names)
    {
        var file = context.ParseResult.CommandResult.Command.Options.OfType<Option<string?>>().FirstOrDefault(o => o.Name == "--file");
        var path = file is null ? null : context.ParseResult.GetValue(file);
        Fleet fleet;
        try
        {
            // Completion sources are synchronous; a shell waits for this process anyway.
            fleet = InventoryLoader.LoadAsync(path, workingDirectory).GetAwaiter().GetResult();
        }
        catch (InventoryException)
        {
            return [];
        }

        var typed = context.WordToComplete;
        // --on takes a comma-separated list: complete the last selector, keep the ones before it.
        var comma = typed.LastIndexOf(',');
        var before = comma < 0 ? "" : typed[..(comma + 1)];
        var last = typed[before.Length..];
        return names(fleet)
            .Where(n => n.StartsWith(last, StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(n => new CompletionItem(before + n));
    }
}
