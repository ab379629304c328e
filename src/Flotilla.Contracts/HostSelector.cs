using System.Collections.Immutable;

namespace Flotilla.Contracts;

/// <summary>What a term of a selector names.</summary>
public enum SelectorKind
{
    /// <summary>One host, by its name.</summary>
    Name,
    /// <summary><c>@tag</c>: every host with the tag (tags and groups alike).</summary>
    Tag,
    /// <summary>A glob over host names: <c>*</c>, <c>?</c>, <c>[...]</c>.</summary>
    Pattern,
    /// <summary><c>all</c>: every host.</summary>
    All,
}

/// <summary>One term of a selector (what stands between its commas), parsed by <see cref="HostSelector.Parse"/>. Immutable.</summary>
/// <param name="Text">The term as written (for a tag, with its <c>@</c>).</param>
public readonly record struct SelectorTerm(SelectorKind Kind, string Text)
{
    /// <summary>For a <see cref="SelectorKind.Tag"/> term, the tag without its <c>@</c>; empty otherwise.</summary>
    public string Tag => Kind == SelectorKind.Tag ? Text[1..] : "";

    /// <summary>Whether the term selects the host with this name and these tags.</summary>
    public bool Selects(string name, IEnumerable<string> tags) => Kind switch
    {
        SelectorKind.Name => name == Text,
        SelectorKind.Tag => tags.Contains(Tag, StringComparer.Ordinal),
        SelectorKind.Pattern => Glob.Matches(Text, name),
        _ => true,
    };
}

/// <summary>
/// The one selector grammar, wherever hosts are chosen: the CLI's <c>--on</c>, the API's
/// <c>on</c>, <c>flotilla remote run --on</c> and the dashboard. A selector is terms separated by
/// commas (blanks around them ignored); it selects the union of what its terms select:
/// <list type="bullet">
/// <item><c>@tag</c>: every host with that tag or group;</item>
/// <item>a host's name: that host (an exact name wins over the rest, so a host may be called
/// <c>all</c> or <c>web[1]</c>);</item>
/// <item><c>all</c>: every host;</item>
/// <item>a glob (<c>*</c> any run of characters, <c>?</c> one, <c>[...]</c> one of a set, with ranges and
/// <c>[!...]</c>): the hosts whose names match;</item>
/// <item>anything else: the host of that name, which must exist.</item>
/// </list>
/// Every term must select at least one host; where they differ is only what a place knows of its
/// hosts (the inventory's tags, or the tags agents report). Stateless and thread safe.
/// </summary>
public static class HostSelector
{
    /// <summary>The grammar in words, for help texts and errors.</summary>
    public const string Grammar = "host names, @tag, globs (web-*, db?, node[1-3]) or all; comma separated";

    /// <summary>The terms of a selector: split on commas, trimmed, empty ones left out.</summary>
    public static ImmutableArray<string> Split(string? selector) =>
        selector is null ? [] : [.. selector.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];

    /// <summary>The terms of several selectors (a repeated option), in order.</summary>
    public static ImmutableArray<string> Split(IEnumerable<string>? selectors) =>
        selectors is null ? [] : [.. selectors.SelectMany(s => Split(s))];

    /// <summary>Parses one term; <paramref name="isHostName"/> says whether a host has exactly this name (it then wins over <c>all</c> and patterns).</summary>
    public static SelectorTerm Parse(string term, Func<string, bool>? isHostName = null)
    {
        ArgumentNullException.ThrowIfNull(term);
        if (term.StartsWith('@'))
        {
            return new(SelectorKind.Tag, term);
        }

        if (isHostName?.Invoke(term) == true)
        {
            return new(SelectorKind.Name, term);
        }

        return term == "all" ? new(SelectorKind.All, term)
            : Glob.IsPattern(term) ? new(SelectorKind.Pattern, term)
            : new(SelectorKind.Name, term);
    }

    /// <summary>The hint for a pattern that matches nothing.</summary>
    public const string PatternHint = "check the pattern: * matches any run of characters, ? one character, [...] one of a set";
}
