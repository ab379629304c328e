using Flotilla.Contracts;
using Flotilla.Inventory;

namespace Flotilla.Validation.Internal;

/// <summary>
/// Host names follow the one rule (<see cref="HostNames"/>) the control plane enrols agents by
/// and selectors name hosts with, so every inventory host can have an agent; a container's name
/// is one podman takes (it names the container and its unit, podman-NAME).
/// </summary>
internal static partial class NameRules
{
    [System.Text.RegularExpressions.GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]*$")]
    private static partial System.Text.RegularExpressions.Regex ContainerName();

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

        foreach (var service in fleet.Services)
        {
            if (service.Container is { } container && (container.Name ?? service.Name) is var name && !ContainerName().IsMatch(name))
            {
                findings.Error(service.Origin, service.Origin.Path + (container.Name is null ? "" : ".container.name"),
                    $"container \"{name}\" of service {service.Name} is not a name podman takes: letters, digits, _ . - (not first)",
                    container.Name is null ? "set container.name, or rename the service" : "rename the container");
            }
        }
    }
}
