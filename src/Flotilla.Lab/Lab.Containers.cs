using Flotilla.Inventory;
using Flotilla.Lab.Internal;

namespace Flotilla.Lab;

/// <summary>Containers in the lab: podman in the hosts that run containers, a registry, stand-in images.</summary>
public sealed partial class Lab
{
    /// <summary>The lab's registry (<c>GATEWAY:5000</c>); every registry the hosts pull from is sent there.</summary>
    public string RegistryAddress => LabContainers.RegistryAddress(state);

    /// <summary>Hosts that run podman (their own storage under <c>HOSTDIR/containers</c>).</summary>
    public IReadOnlyList<string> ContainerHosts => [.. state.Hosts.Where(LabContainers.Runs).Select(h => h.Name)];

    /// <summary>Builds a stand-in image and pushes it to the lab's registry; returns its digest (<c>sha256:...</c>).</summary>
    public Task<string> PushImageAsync(LabImage image, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        return LabContainers.PushAsync(state, image, cancellationToken);
    }

    /// <summary>Makes a running container unhealthy, kills it, makes it keep dying, or heals it.</summary>
    public async Task ContainerFaultAsync(string host, string container, LabContainerFault fault, CancellationToken cancellationToken = default)
    {
        if (!ContainerName().IsMatch(container))
        {
            throw new LabException($"\"{container}\" is not a container name (letters, digits, _ . -)");
        }

        var enter = EnterCommand(host);
        var crashFile = CrashFaults + "/" + container;
        IReadOnlyList<IReadOnlyList<string>> commands = fault switch
        {
            LabContainerFault.Unhealthy => [["podman", "exec", container, "touch", "/tmp/lab-unhealthy"]],
            LabContainerFault.Crashing => [["mkdir", "-p", CrashFaults], ["touch", crashFile], ["podman", "kill", container]],
            LabContainerFault.Healed => [["rm", "-f", crashFile], ["sh", "-c", "podman exec \"$0\" rm -f /tmp/lab-unhealthy 2>/dev/null || true", container]],
            _ => [["podman", "kill", container]],
        };
        foreach (var command in commands)
        {
            await LabProcess.RunCheckedAsync(enter[0], [.. enter.Skip(1), .. command], null, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Where the <see cref="LabContainerFault.Crashing"/> fault leaves its files (read by lab/container-run.sh).</summary>
    private const string CrashFaults = "/run/lab/container-faults";

    [System.Text.RegularExpressions.GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]*$")]
    private static partial System.Text.RegularExpressions.Regex ContainerName();

    /// <summary>Runs podman in a host (its storage, its registries.conf) and returns what it printed.</summary>
    public Task<string> PodmanAsync(string host, IReadOnlyList<string> arguments, CancellationToken cancellationToken = default)
    {
        var enter = EnterCommand(host);
        return LabProcess.RunCheckedAsync(enter[0], [.. enter.Skip(1), "podman", .. arguments], null, cancellationToken);
    }

    /// <summary>Which hosts run containers: those with container services, or every host when <see cref="LabOptions.Containers"/> says so.</summary>
    private static HashSet<string> ContainerHostsOf(LabOptions options, IEnumerable<string> hosts) =>
        options.Containers == true
            ? [.. hosts]
            : options.Containers == false ? [] : [.. LabContainers.ContainerServices(options.Fleet).Select(s => s.Host)];

    private async Task StartContainersAsync(LabOptions options, CancellationToken cancellationToken)
    {
        await LabContainers.StartRegistryAsync(state, time, cancellationToken).ConfigureAwait(false);
        foreach (var image in StandInImages(options.Fleet))
        {
            await LabContainers.PushAsync(state, image, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>One image per name the fleet's containers use, serving the ports their services are checked on.</summary>
    internal static IEnumerable<LabImage> StandInImages(Fleet? fleet)
    {
        // By the image the registry stores: "ghcr.io/homebridge/homebridge" and "...:latest" are one image.
        foreach (var group in LabContainers.ContainerServices(fleet).GroupBy(s => ImageReference.Parse(s.Container!.Image)))
        {
            var ports = new SortedSet<int>();
            // HTTP unless its only checks are tcp ones: an HTTP server also takes a tcp check's
            // connection (a startup tcp check before an http liveness check, on one port).
            bool tcp = false, http = false;
            foreach (var service in group)
            {
                foreach (var check in service.HealthChecks)
                {
                    if (check.Kind == HealthCheckKind.Tcp && check.Port is { } port)
                    {
                        ports.Add(port);
                        tcp = true;
                    }
                    else if (check.Kind == HealthCheckKind.Http && Uri.TryCreate(check.Url, UriKind.Absolute, out var url))
                    {
                        ports.Add(url.Port);
                        http = true;
                    }
                }

                foreach (var mapping in service.Container!.Ports)
                {
                    if (PortMapping.TryParse(mapping, out var parsed) && !parsed.Udp && parsed.ContainerFirst == parsed.ContainerLast)
                    {
                        ports.Add(parsed.ContainerFirst);
                    }
                }

                if (ports.Count == 0 && !service.Ports.IsEmpty)
                {
                    ports.Add(service.Ports[0]);
                }
            }

            yield return new LabImage
            {
                Name = group.First().Container!.Image,
                ServiceName = group.First().Name,
                Ports = [.. ports.Take(8)],
                Kind = tcp && !http ? "tcp" : "http",
                Version = "1",
            };
        }
    }
}
