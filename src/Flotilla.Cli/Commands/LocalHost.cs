using System.Net;
using System.Net.NetworkInformation;
using Flotilla.Inventory;

namespace Flotilla.Cli.Commands;

/// <summary>Finds the inventory host this orchestrator runs on: by host name, or by one of this machine's addresses.</summary>
internal static class LocalHost
{
    public static Host? Find(Fleet fleet)
    {
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "localhost", Environment.MachineName };
        try
        {
            names.Add(Dns.GetHostName());
        }
        catch (System.Net.Sockets.SocketException)
        {
            // No name to add.
        }

        var addresses = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "127.0.0.1", "::1" };
        foreach (var network in NetworkInterface.GetAllNetworkInterfaces())
        {
            foreach (var address in network.GetIPProperties().UnicastAddresses)
            {
                addresses.Add(address.Address.ToString());
            }
        }

        return fleet.Hosts.FirstOrDefault(h => names.Contains(h.Hostname) || names.Contains(h.Target.Address) || addresses.Contains(h.Target.Address));
    }
}
