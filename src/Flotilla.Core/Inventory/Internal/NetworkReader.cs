namespace Flotilla.Inventory.Internal;

internal static class NetworkReader
{
    /// <summary>NixMox's spelling: <c>dns_server</c>, <c>gateway</c>, <c>network_cidr</c>, <c>vlan_tag</c>.</summary>
    public static NetworkSettings? ReadManifest(JsonObjectReader? reader)
    {
        if (reader is null)
        {
            return null;
        }

        var network = new NetworkSettings
        {
            DnsServer = reader.String("dns_server"),
            Gateway = reader.String("gateway"),
            Cidr = reader.String("network_cidr"),
            VlanTag = reader.Int("vlan_tag", 0, 4094),
        };
        reader.ReportUnknown();
        return network;
    }

    /// <summary>The normalised spelling: <c>dnsServer</c>, <c>gateway</c>, <c>cidr</c>, <c>vlanTag</c>.</summary>
    public static NetworkSettings? ReadNormalised(JsonObjectReader? reader)
    {
        if (reader is null)
        {
            return null;
        }

        var network = new NetworkSettings
        {
            DnsServer = reader.String("dnsServer"),
            Gateway = reader.String("gateway"),
            Cidr = reader.String("cidr"),
            VlanTag = reader.Int("vlanTag", 0, 4094),
        };
        reader.ReportUnknown();
        return network;
    }
}
