using System.Collections.Immutable;
using System.CommandLine;
using Flotilla.Planning;

namespace Flotilla.Cli.Commands;

/// <summary><c>--on</c>, <c>--service</c> and <c>--with-dependents</c>, shared by every command that selects hosts.</summary>
internal sealed class SelectionOptions
{
    public Option<string[]> On { get; } = new("--on")
    {
        Description = "Hosts to act on: names, @tag or @group, globs (web-*), comma separated; the union of all (default: every host)",
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
        command.Options.Add(On);
        command.Options.Add(Service);
        command.Options.Add(WithDependents);
    }

    public Selection Read(ParseResult parse) => new()
    {
        On = Split(parse.GetValue(On)),
        Services = Split(parse.GetValue(Service)),
        WithDependents = parse.GetValue(WithDependents),
    };

    private static ImmutableArray<string> Split(string[]? values) =>
        values is null ? [] : [.. values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))];
}
