using System.Globalization;
using Flotilla.Inventory;
using Flotilla.Inventory.Internal;

namespace Flotilla.Validation.Internal;

/// <summary>
/// A <c>rebootOrder</c> that contradicts a dependency: a host reboots after the hosts it depends
/// on (the reboot plan's rule, which wins), so a dependency with a higher <c>rebootOrder</c> than
/// its dependent does not reboot when its order says. A warning per such edge; edges that come
/// from services on the two hosts count too, as the reboot plan follows them.
/// </summary>
internal static class RebootOrderRules
{
    public static void Check(FleetIndex index, Findings findings)
    {
        var hosts = index.Fleet.Hosts;
        for (var from = 0; from < hosts.Length; from++)
        {
            var host = hosts[from];
            if (host.RebootOrder is not { } order || host.Platform == Platform.HomeManager || index.HostByName[host.Name] != from)
            {
                continue;
            }

            foreach (var to in index.LiftedGraph.Successors(from))
            {
                var needed = hosts[to];
                if (needed.RebootOrder is not { } neededOrder || neededOrder <= order || needed.Platform == Platform.HomeManager)
                {
                    continue;
                }

                var why = index.HasExplicitEdge(from, to)
                    ? $"depends on \"{needed.Name}\" (at {host.Origin.Of("dependsOn", host.DependsOn.IndexOf(needed.Name))})"
                    : index.ServiceEdge(from, to) is var (service, provider)
                        ? $"runs service \"{index.Fleet.Services[service].Name}\", which needs \"{index.Fleet.Services[provider].Name}\" on \"{needed.Name}\""
                        : $"depends on \"{needed.Name}\"";
                findings.Warning(host.Origin, host.Origin.Of("rebootOrder"),
                    $"host \"{host.Name}\" has rebootOrder {Text(order)} and {why}, whose rebootOrder is {Text(neededOrder)} (at {needed.Origin.Of("rebootOrder")}): " +
                    $"dependencies win, so \"{needed.Name}\" reboots before \"{host.Name}\"",
                    $"give \"{needed.Name}\" a lower rebootOrder than \"{host.Name}\", or drop the dependency");
            }
        }
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
