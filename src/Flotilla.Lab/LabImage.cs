namespace Flotilla.Lab;

/// <summary>
/// A stand-in image the lab builds (busybox and lab/container-serve.sh) and pushes to its registry
/// under <see cref="Name"/> (an inventory's name: <c>ghcr.io/homebridge/homebridge</c>,
/// <c>lscr.io/linuxserver/sonarr:latest</c>). It serves <see cref="Ports"/> the way lab services
/// do (<see cref="Kind"/> http or tcp) with the configured <see cref="Health"/> (healthy,
/// unhealthy, slow, crash). A push with another <see cref="Version"/> is a new digest. Immutable.
/// </summary>
public sealed record LabImage
{
    public required string Name { get; init; }
    public string ServiceName { get; init; } = "container";
    public IReadOnlyList<int> Ports { get; init; } = [];
    public string Kind { get; init; } = "http";
    public string Health { get; init; } = "healthy";
    public string Version { get; init; } = "1";
}

/// <summary>What the lab does to one container of a host, for real.</summary>
public enum LabContainerFault
{
    /// <summary>Its HTTP ports answer 500 from now on (until healed).</summary>
    Unhealthy,
    /// <summary>Its processes are killed (<c>podman kill</c>); podman's restart policy decides what happens next.</summary>
    Killed,
    /// <summary>
    /// It exits at every start from now on (until healed) and is killed: its unit runs it again
    /// and again until systemd's start limit (5) leaves the unit failed: a container that keeps dying.
    /// </summary>
    Crashing,
    /// <summary>Undoes <see cref="Unhealthy"/> and <see cref="Crashing"/> (a crashed container is started again by <c>services restart</c>).</summary>
    Healed,
}
