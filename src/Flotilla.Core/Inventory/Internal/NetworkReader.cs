namespace Flotilla.Inventory.Internal;

internal static class NetworkReader
{
    /// <summary>
    /// NixMox's spelling: <c>domain</c>, <c>dns_server</c>, <c>gateway</c>, <c>network_cidr</c>,
    /// <c>vlan_tag</c>; its <c>ssh_keys</c> (installed by its host module) and <c>outposts</c>
    /// (Authentik's LDAP and RADIUS settings) belong to the machines' configuration, not to
    /// orchestration, and are known but not read.
    /// </summary>
    public static NetworkSettings? ReadManifest(JsonObjectReader? reader)
    {
        reader?.Ignore("ssh_keys", "outposts");
        return Read(reader, "dns_server", "network_cidr", "vlan_tag");
    }

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
            Domain = reader.String("domain"),
            DnsServer = reader.String(dnsServer),
            Gateway = reader.String("gateway"),
            Cidr = reader.String(cidr),
            VlanTag = reader.Int(vlanTag, 0, 4094),
        };
        reader.ReportUnknown();
        return network;
    }
}
