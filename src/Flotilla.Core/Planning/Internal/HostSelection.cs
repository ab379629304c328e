using System.Collections.Immutable;
using Flotilla.Contracts;
using Flotilla.Diagnostics;
using Flotilla.Inventory.Internal;

namespace Flotilla.Planning.Internal;

/// <summary>
/// Resolves a <see cref="Selection"/> to host indexes in fleet order: terms in the one selector
/// grammar (<see cref="HostSelector"/>: names, <c>@tags</c>, globs, <c>all</c>) and services (with what they need to run and to be configured), then dependents when asked.
/// Hosts created stopped are left out unless named or needed. A selector that matches
/// nothing is an error naming the closest host, service or the known tags. Linear in the fleet.
/// </summary>
internal static class HostSelection
{
    public static (int[] Hosts, ImmutableArray<Diagnostic> Errors) Resolve(FleetIndex index, Selection selection)
    {
        var fleet = index.Fleet;
        var hostCount = fleet.Hosts.Length;
        var selected = new bool[hostCount];
        var errors = ImmutableArray.CreateBuilder<Diagnostic>();
        var on = selection.On.Where(s => !string.IsNullOrWhiteSpace(s)).ToArray();
        if (on.Length == 0 && selection.Services.IsEmpty)
        {
            for (var i = 0; i < hostCount; i++)
            {
                selected[i] = !CreatedStopped(fleet.Hosts[i]);
            }
        }

        foreach (var selector in on)
        {
            if (!SelectOn(index, selector, selected) && Unmatched(index, selector) is { } error)
            {
                errors.Add(error);
            }
        }

        SelectServices(index, selection.Services, selected, errors);
        if (errors.Count > 0)
        {
            return ([], errors.ToImmutable());
        }

        if (selection.WithDependents)
        {
            AddDependents(index, selected);
        }

        var hosts = new List<int>();
        for (var i = 0; i < hostCount; i++)
        {
            if (selected[i])
            {
                hosts.Add(i);
            }
        }

        return ([.. hosts], []);
    }

    private static bool SelectOn(FleetIndex index, string selector, bool[] selected)
    {
        var hosts = index.Fleet.Hosts;
        var term = HostSelector.Parse(selector, index.HostByName.ContainsKey);
        var matched = false;
        for (var i = 0; i < hosts.Length; i++)
        {
            // A host created stopped is selected by its name only.
            if (term.Selects(hosts[i].Name, hosts[i].Tags) && (term.Kind == SelectorKind.Name || !CreatedStopped(hosts[i])))
            {
                selected[i] = matched = true;
            }
        }

        return matched;
    }

    private static Diagnostic? Unmatched(FleetIndex index, string selector)
    {
        var file = index.Fleet.SourcePath;
        var term = HostSelector.Parse(selector, index.HostByName.ContainsKey);
        switch (term.Kind)
        {
            case SelectorKind.Tag:
                var tags = index.Fleet.Hosts.SelectMany(h => h.Tags).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
                var hint = tags.Length == 0
                    ? "no host has tags or groups"
                    : Suggestions.Closest(term.Tag, tags) is { } close
                        ? $"did you mean \"@{close}\"? known tags: {string.Join(", ", tags.Take(20))}{(tags.Length > 20 ? ", ..." : "")}"
                        : $"known tags: {string.Join(", ", tags.Take(20))}{(tags.Length > 20 ? ", ..." : "")}";
                return new Diagnostic(Severity.Error, file, "", $"--on \"{selector}\": no host has tag \"{term.Tag}\"", hint);
            case SelectorKind.Pattern:
                return new Diagnostic(Severity.Error, file, "", $"--on \"{selector}\": the pattern matches no host", HostSelector.PatternHint);
            case SelectorKind.All:
                return new Diagnostic(Severity.Error, file, "", "--on all: the fleet has no host to select (hosts created stopped are selected by name only)", "name the hosts");
            default:
                string? suggestion = index.ServiceByName.ContainsKey(selector)
                    ? $"\"{selector}\" is a service; select it with --service {selector}"
                    : Suggestions.Closest(selector, index.HostByName.Keys) is { } closest ? $"did you mean \"{closest}\"?" : "name a host of the fleet, a @tag or a glob";
                return new Diagnostic(Severity.Error, file, "", $"--on \"{selector}\": no host is named \"{selector}\"", suggestion);
        }
    }

    private static void SelectServices(FleetIndex index, ImmutableArray<string> names, bool[] selected, ImmutableArray<Diagnostic>.Builder errors)
    {
        var seen = new bool[index.Fleet.Services.Length];
        var pending = new Stack<int>();
        foreach (var name in names)
        {
            if (string.IsNullOrWhiteSpace(name))
            {
                continue;
            }

            if (!index.ServiceByName.TryGetValue(name, out var start))
            {
                var hint = Suggestions.Closest(name, index.ServiceByName.Keys) is { } closest ? $"did you mean \"{closest}\"?" : "name a service of the fleet";
                errors.Add(new Diagnostic(Severity.Error, index.Fleet.SourcePath, "", $"--service \"{name}\": no service is named \"{name}\"", hint));
                continue;
            }

            if (!seen[start])
            {
                seen[start] = true;
                pending.Push(start);
            }

            while (pending.TryPop(out var service))
            {
                if (index.ServiceHost[service] >= 0)
                {
                    selected[index.ServiceHost[service]] = true;
                }

                // What it needs running, and what its configuration needs (its auth provider).
                foreach (var graph in (ReadOnlySpan<Graphs.Internal.Digraph>)[index.ServiceGraph, index.ConfigurationGraph])
                {
                    foreach (var needed in graph.Successors(service))
                    {
                        if (!seen[needed])
                        {
                            seen[needed] = true;
                            pending.Push(needed);
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// A host whose machine is created stopped (NixMox <c>start = false</c>) is deployed or
    /// rebooted only when named or needed, never by "everything", a tag or a pattern.
    /// </summary>
    private static bool CreatedStopped(Inventory.Host host) => host.Provisioning?.Start == false;

    private static void AddDependents(FleetIndex index, bool[] selected)
    {
        var dependents = index.LiftedGraph.Reverse();
        var pending = new Stack<int>();
        for (var i = 0; i < selected.Length; i++)
        {
            if (selected[i])
            {
                pending.Push(i);
            }
        }

        while (pending.TryPop(out var host))
        {
            foreach (var dependent in dependents.Successors(host))
            {
                if (!selected[dependent])
                {
                    selected[dependent] = true;
                    pending.Push(dependent);
                }
            }
        }
    }
}
