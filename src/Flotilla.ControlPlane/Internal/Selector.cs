using System.Collections.Immutable;
using Flotilla.Contracts;

namespace Flotilla.ControlPlane.Internal;

/// <summary>
/// Resolves a selector in the one grammar (<see cref="HostSelector"/>: names, <c>@tag</c>, globs,
/// <c>all</c>) against the hosts the server knows, with the tags it knows of each (its agent's
/// <c>--tag</c>, and the inventory's with <c>serve -f</c>). Every term must select a host; a
/// <c>@tag</c> where no host has any tag says where tags come from.
/// </summary>
internal static class Selector
{
    public static (IReadOnlyList<string> Hosts, string? Error) Resolve(string selector, IReadOnlyDictionary<string, ImmutableArray<string>> known)
    {
        var terms = HostSelector.Split(selector);
        if (terms.IsEmpty)
        {
            return ([], $"the selector is empty: name {HostSelector.Grammar}");
        }

        var selected = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var text in terms)
        {
            var term = HostSelector.Parse(text, known.ContainsKey);
            var matched = false;
            foreach (var (name, tags) in known)
            {
                if (term.Selects(name, tags))
                {
                    selected.Add(name);
                    matched = true;
                }
            }

            if (!matched)
            {
                return ([], Unmatched(term, known));
            }
        }

        return ([.. selected], null);
    }

    private static string Unmatched(SelectorTerm term, IReadOnlyDictionary<string, ImmutableArray<string>> known)
    {
        switch (term.Kind)
        {
            case SelectorKind.Tag:
                var tags = known.Values.SelectMany(t => t).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
                return tags.Length == 0
                    ? $"\"{term.Text}\": no host here has tags; the server knows a host's tags from its agent (flotilla agent --tag) and from the inventory (flotilla serve -f)"
                    : $"\"{term.Text}\": no host has tag \"{term.Tag}\"; known tags: {string.Join(", ", tags.Take(20))}{(tags.Length > 20 ? ", ..." : "")}";
            case SelectorKind.Name:
                return $"unknown host \"{term.Text}\"; add it with: flotilla hosts add {term.Text}";
            default:
                return $"no host matches \"{term.Text}\"";
        }
    }
}
