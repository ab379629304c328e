using System.Text.RegularExpressions;

namespace Flotilla.ControlPlane.Internal;

/// <summary>Resolves a selector (<c>all</c>, names, <c>*</c>/<c>?</c> globs; comma separated) against the known hosts.</summary>
internal static class Selector
{
    public static (IReadOnlyList<string> Hosts, string? Error) Resolve(string selector, IReadOnlyCollection<string> known)
    {
        var selected = new SortedSet<string>(StringComparer.Ordinal);
        var parts = selector.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0)
        {
            return ([], "the selector is empty: name hosts, globs (web*) or all");
        }

        foreach (var part in parts)
        {
            if (part is "all" or "*")
            {
                selected.UnionWith(known);
            }
            else if (part.Contains('*', StringComparison.Ordinal) || part.Contains('?', StringComparison.Ordinal))
            {
                var pattern = new Regex("^" + Regex.Escape(part).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal) + "$", RegexOptions.CultureInvariant);
                selected.UnionWith(known.Where(h => pattern.IsMatch(h)));
            }
            else if (known.Contains(part))
            {
                selected.Add(part);
            }
            else
            {
                return ([], $"unknown host \"{part}\"; add it with: flotilla hosts add {part}");
            }
        }

        return selected.Count == 0 ? ([], $"no host matches \"{selector}\"") : ([.. selected], null);
    }
}
