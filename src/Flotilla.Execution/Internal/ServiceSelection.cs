using Flotilla.Inventory;

namespace Flotilla.Execution.Internal;

/// <summary>The services a command on services takes: of the selected hosts, of the kind it works on, those named (else those it takes by default).</summary>
internal static class ServiceSelection
{
    public static IEnumerable<Service> Of(Fleet fleet, IReadOnlyList<Host> hosts, IReadOnlyCollection<string> named, Func<Service, bool> kind, Func<Service, bool> byDefault)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        ArgumentNullException.ThrowIfNull(hosts);
        ArgumentNullException.ThrowIfNull(named);
        var selected = hosts.Select(h => h.Name).ToHashSet(StringComparer.Ordinal);
        return fleet.Services.Where(s => selected.Contains(s.Host) && kind(s) && (named.Count > 0 ? named.Contains(s.Name) : byDefault(s)));
    }

    /// <summary>Services in dependency order (a service after those it depends on), otherwise as the inventory lists them.</summary>
    public static List<Service> Ordered(List<Service> services)
    {
        ArgumentNullException.ThrowIfNull(services);
        var names = services.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        var done = new HashSet<string>(StringComparer.Ordinal);
        var ordered = new List<Service>();
        while (ordered.Count < services.Count)
        {
            var next = services.FirstOrDefault(s => !done.Contains(s.Name) && s.DependsOn.Where(names.Contains).All(done.Contains))
                ?? services.First(s => !done.Contains(s.Name));
            done.Add(next.Name);
            ordered.Add(next);
        }

        return ordered;
    }
}
