using Flotilla.Contracts;
using Flotilla.Inventory;

namespace Flotilla.Validation.Internal;

/// <summary>
/// Host names follow the one rule (<see cref="HostNames"/>) the control plane enrols agents by
/// and selectors name hosts with, so every inventory host can have an agent.
/// </summary>
internal static class NameRules
{
    public static void Check(Fleet fleet, Findings findings)
    {
        foreach (var host in fleet.Hosts)
        {
            if (!HostNames.IsValid(host.Name))
            {
                findings.Error(host.Origin, host.Origin.Path, $"host \"{host.Name}\" does not have a valid host name: a host name is {HostNames.Rule}",
                    "rename the host (agents enrol with this name, and selectors name it)");
            }
        }
    }
}
