using System.Globalization;

namespace Flotilla.Inventory;

/// <summary>
/// A container's published port as podman writes it: <c>[[IP:]HOST-PORT:]CONTAINER-PORT[/PROTOCOL]</c>,
/// ports or ranges (<c>8000-8010</c>). <see cref="HostFirst"/> is 0 when no host port is given
/// (podman picks one). Immutable.
/// </summary>
public readonly record struct PortMapping(string? HostAddress, int HostFirst, int HostLast, int ContainerFirst, int ContainerLast, bool Udp)
{
    public static bool TryParse(string text, out PortMapping mapping)
    {
        mapping = default;
        var protocol = "tcp";
        var slash = text.LastIndexOf('/');
        if (slash >= 0)
        {
            protocol = text[(slash + 1)..].ToLowerInvariant();
            text = text[..slash];
            if (protocol is not ("tcp" or "udp" or "sctp"))
            {
                return false;
            }
        }

        string? address = null;
        if (text.StartsWith('['))
        {
            // [::1]:8080:80
            var close = text.IndexOf(']', StringComparison.Ordinal);
            if (close < 0 || close + 1 >= text.Length || text[close + 1] != ':')
            {
                return false;
            }

            address = text[1..close];
            text = text[(close + 2)..];
        }

        var parts = text.Split(':');
        string hostPart, containerPart;
        switch (parts.Length)
        {
            case 1 when address is null:
                hostPart = "";
                containerPart = parts[0];
                break;
            case 2:
                hostPart = parts[0];
                containerPart = parts[1];
                break;
            case 3 when address is null:
                address = parts[0];
                hostPart = parts[1];
                containerPart = parts[2];
                break;
            default:
                return false;
        }

        if (!TryRange(containerPart, out var containerFirst, out var containerLast))
        {
            return false;
        }

        int hostFirst = 0, hostLast = 0;
        if (hostPart.Length > 0)
        {
            if (!TryRange(hostPart, out hostFirst, out hostLast) || hostLast - hostFirst != containerLast - containerFirst)
            {
                return false;
            }
        }

        mapping = new PortMapping(address is { Length: > 0 } ? address : null, hostFirst, hostLast, containerFirst, containerLast, protocol == "udp");
        return true;
    }

    private static bool TryRange(string text, out int first, out int last)
    {
        var dash = text.IndexOf('-', StringComparison.Ordinal);
        first = last = 0;
        if (dash < 0)
        {
            return TryPort(text, out first) && (last = first) > 0;
        }

        return TryPort(text[..dash], out first) && TryPort(text[(dash + 1)..], out last) && first <= last;
    }

    private static bool TryPort(string text, out int port) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port is >= 1 and <= 65535;
}
