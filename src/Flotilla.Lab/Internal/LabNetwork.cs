using System.Globalization;

namespace Flotilla.Lab.Internal;

/// <summary>The lab's use of <c>ip</c>: a bridge per lab, a veth pair and a namespace per host.</summary>
internal static class LabNetwork
{
    public static Task<string> IpAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken) =>
        LabProcess.RunCheckedAsync("ip", arguments, null, cancellationToken);

    public static async Task<HashSet<string>> NamespacesAsync(CancellationToken cancellationToken)
    {
        var output = await IpAsync(["netns", "list"], cancellationToken).ConfigureAwait(false);
        return [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split(' ')[0])];
    }

    public static HashSet<string> Links() =>
        [.. new DirectoryInfo("/sys/class/net").EnumerateFileSystemInfos().Select(entry => entry.Name)];

    public static bool IsUp(string link)
    {
        var flags = Path.Combine("/sys/class/net", link, "flags");
        return File.Exists(flags)
            && int.TryParse(File.ReadAllText(flags).Trim().Replace("0x", "", StringComparison.Ordinal), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var value)
            && (value & 1) == 1;
    }

    public static async Task CreateBridgeAsync(LabState state, CancellationToken cancellationToken)
    {
        await IpAsync(["link", "add", state.Bridge, "type", "bridge"], cancellationToken).ConfigureAwait(false);
        await IpAsync(["addr", "add", state.Gateway + "/24", "dev", state.Bridge], cancellationToken).ConfigureAwait(false);
        await IpAsync(["link", "set", state.Bridge, "up"], cancellationToken).ConfigureAwait(false);
    }

    public static async Task CreateHostAsync(LabState state, LabHost host, CancellationToken cancellationToken)
    {
        await IpAsync(["netns", "add", host.Namespace], cancellationToken).ConfigureAwait(false);
        await IpAsync(["link", "add", host.Interface, "type", "veth", "peer", "name", "eth0", "netns", host.Namespace], cancellationToken).ConfigureAwait(false);
        await IpAsync(["link", "set", host.Interface, "master", state.Bridge, "up"], cancellationToken).ConfigureAwait(false);
        await IpAsync(["-n", host.Namespace, "addr", "add", host.Address + "/24", "dev", "eth0"], cancellationToken).ConfigureAwait(false);
        await IpAsync(["-n", host.Namespace, "link", "set", "eth0", "up"], cancellationToken).ConfigureAwait(false);
        await IpAsync(["-n", host.Namespace, "link", "set", "lo", "up"], cancellationToken).ConfigureAwait(false);
        await IpAsync(["-n", host.Namespace, "route", "add", "default", "via", state.Gateway], cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Deletes a link if it exists. A veth whose peer's namespace was just deleted may vanish
    /// while this runs, which is as good as deleting it.
    /// </summary>
    public static async Task DeleteLinkAsync(string link, CancellationToken cancellationToken)
    {
        if (!Links().Contains(link))
        {
            return;
        }

        var result = await LabProcess.RunAsync("ip", ["link", "del", link], null, cancellationToken).ConfigureAwait(false);
        if (result.ExitCode != 0 && Links().Contains(link))
        {
            throw new LabException($"ip link del {link} exited with {result.ExitCode}: {result.StandardError.Trim()}");
        }
    }

    public static Task SetLinkAsync(string link, bool up, CancellationToken cancellationToken) =>
        IpAsync(["link", "set", link, up ? "up" : "down"], cancellationToken);

    /// <summary>Every process in a host's network namespace: all of the host's processes.</summary>
    public static async Task<IReadOnlyList<int>> PidsAsync(string netns, CancellationToken cancellationToken)
    {
        var result = await LabProcess.RunAsync("ip", ["netns", "pids", netns], null, cancellationToken).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            return [];
        }

        return [.. result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(text => int.TryParse(text, CultureInfo.InvariantCulture, out var pid) ? pid : 0)
            .Where(pid => pid > 0)];
    }
}
