namespace Flotilla.Inventory.Internal;

internal static class NetworkReader
{
    /// <summary>NixMox's spelling: <c>dns_server</c>, <c>gateway</c>, <c>network_cidr</c>, <c>vlan_tag</c>.</summary>
    public static NetworkSettings? ReadManifest(JsonObjectReader? reader) => Read(reader, "dns_server", "network_cidr", "vlan_tag");

    /// <summary>The normalised spelling: <c>dnsServer</c>, <c>gateway</c>, <c>cidr</c>, <c>vlanTag</c>.</summary>
    public static NetworkSettings? ReadNormalised(JsonObjectReader? reader) => Read(reader, "dnsServer", "cidr", "vlanTag");

    private static NetworkSettings? Read(JsonObjectReader? reader, string dnsServer, string cidr, string vlanTag)
    {
        if (reader is null)
        {
            return null;
        }

        var network = new NetworkSettings
        {
            DnsServer = reader.String(dnsServer),
            Gateway = reader.String("gateway"),
            Cidr = reader.String(cidr),
            VlanTag = reader.Int(vlanTag, 0, 4094),
        };
        reader.ReportUnknown();
        return network;
    }
}
