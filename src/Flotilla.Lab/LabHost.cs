namespace Flotilla.Lab;

/// <summary>
/// A lab service: a real server on a lab host. <see cref="Kind"/> is <c>http</c>, <c>tcp</c>,
/// <c>unit</c> (a process, no port) or <c>container</c>: a container service, which the host's
/// activation runs as NixOS's <c>podman-NAME.service</c> does, with <see cref="Podman"/>'s arguments.
/// </summary>
public sealed record LabService(string Name, int Port, string Kind, string Health = "healthy")
{
    /// <summary>For a container: the arguments after <c>podman</c> (<c>run --rm --replace --name=...</c>).</summary>
    public IReadOnlyList<string>? Podman { get; init; }

    /// <summary>
    /// For a container: the host directories its volumes bind, which its unit makes before it runs
    /// the container, as the tmpfiles rules of a NixOS configuration that declares such a volume
    /// do (doomlab's <c>d /var/lib/homebridge</c>, the Dagger module's dataDir).
    /// </summary>
    public IReadOnlyList<string> Directories { get; init; } = [];

    /// <summary>Started when the host activates (a container's <c>autoStart</c>); false: only by <c>systemctl start</c>.</summary>
    public bool AutoStart { get; init; } = true;
}

/// <summary>
/// One host of a lab: a network namespace (<see cref="Namespace"/>) reached at <see cref="Address"/>
/// through <see cref="Interface"/> on the lab's bridge, with its own /nix, /run, boot id and sshd.
/// Immutable.
/// </summary>
public sealed record LabHost
{
    public required string Name { get; init; }
    public required int Number { get; init; }
    public required string Namespace { get; init; }
    public required string Interface { get; init; }
    public required string Address { get; init; }
    /// <summary>The host's state: its Nix store (root/nix), boot id, sshd configuration and logs.</summary>
    public required string Directory { get; init; }
    public IReadOnlyList<LabService> Services { get; init; } = [];

    /// <summary>
    /// What the host is, as the inventory names platforms: <c>nixos</c> (a NixOS-like system with
    /// switch-to-configuration), <c>darwin</c> (a nix-darwin-like system: activate-user and activate)
    /// or <c>home-manager</c> (a machine with Nix where <see cref="User"/> has home-manager generations).
    /// </summary>
    public string Platform { get; init; } = "nixos";

    /// <summary>Who Flotilla logs in as: root, or a home-manager host's user (who owns that host's Nix store, as in a single-user install).</summary>
    public string User { get; init; } = "root";

    /// <summary>The numeric id of <see cref="User"/> inside the host (null for root); the user exists only in the host's own /etc/passwd.</summary>
    public int? Uid { get; init; }
}
