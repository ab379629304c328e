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

            if (service.Legacy is { } legacy)
            {
                CheckLegacy(service, legacy, findings);
            }
        }
    }

    /// <summary>A legacy part belongs to a container service and names a unit and an absolute data directory.</summary>
    private static void CheckLegacy(Service service, LegacySpec legacy, Findings findings)
    {
        var path = legacy.SourcePath.Length > 0 ? legacy.SourcePath : service.Origin.Path + ".legacy";
        if (service.Container is null)
        {
            findings.Error(service.Origin, path, $"service {service.Name} names a legacy service to migrate from but has no container to migrate to",
                "give the service its container part, or remove its legacy part");
        }

        if (legacy.Unit.Length > 0 && !UnitName().IsMatch(legacy.Unit))
        {
            findings.Error(service.Origin, path + ".unit", $"\"{legacy.Unit}\" is not a systemd unit name: letters, digits, and : _ . @ - \\",
                "write the unit as systemctl names it, for example \"sonarr.service\"");
        }

        if (legacy.DataDirectory is { } data && (!data.StartsWith('/') || data.TrimEnd('/').Length == 0))
        {
            findings.Error(service.Origin, path + ".dataDir", $"the legacy data directory \"{data}\" of service {service.Name} is not an absolute path below /",
                "write the directory the legacy service keeps its data in, for example \"/var/lib/sonarr\"");
        }
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^[A-Za-z0-9:_.@\\-]+$")]
    private static partial System.Text.RegularExpressions.Regex UnitName();
}
