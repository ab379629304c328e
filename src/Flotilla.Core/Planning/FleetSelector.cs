using Flotilla.Inventory;
using Flotilla.Inventory.Internal;
using Flotilla.Planning.Internal;

namespace Flotilla.Planning;

/// <summary>Resolves a <see cref="Selection"/> against a fleet. Stateless and thread safe.</summary>
public static class FleetSelector
{
    /// <summary>The selected host names in fleet order, or errors for selectors that match nothing (with a "did you mean").</summary>
    public static SelectionResult Select(Fleet fleet, Selection selection)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        ArgumentNullException.ThrowIfNull(selection);
        var (hosts, errors) = HostSelection.Resolve(FleetIndex.Build(fleet), selection);
        return new SelectionResult([.. hosts.Select(i => fleet.Hosts[i].Name)], errors);
    }
}
