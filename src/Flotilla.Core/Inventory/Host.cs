using System.Collections.Immutable;

namespace Flotilla.Inventory;

/// <summary>How to reach a host: address, SSH user and port.</summary>
public sealed record Target(string Address, string User = "root", int Port = 22)
{
    public override string ToString() => Port == 22 ? $"{User}@{Address}" : $"{User}@{Address}:{Port}";
}

/// <summary>A machine Flotilla deploys to. Immutable.</summary>
public sealed record Host
{
    public required string Name { get; init; }
    /// <summary><c>networking.hostName</c>; defaults to <see cref="Name"/>.</summary>
    public required string Hostname { get; init; }
    public required Target Target { get; init; }
    public Platform Platform { get; init; } = Platform.NixOS;
    public string? Role { get; init; }
    /// <summary>Tags and groups; <c>@tag</c> and <c>@group</c> select them alike.</summary>
    public ImmutableArray<string> Tags { get; init; } = [];

    /// <summary>File systems whose use is checked (<c>flotilla status --storage</c>), with their thresholds; empty: every real mount at the defaults.</summary>
    public ImmutableArray<Contracts.StorageThreshold> Storage { get; init; } = [];
    /// <summary>Lower reboots earlier; null means no place in the reboot sequence was given.</summary>
    public int? RebootOrder { get; init; }
    public TimeSpan RebootDelay { get; init; } = TimeSpan.Zero;
    /// <summary>Names of hosts this one needs.</summary>
    public ImmutableArray<string> DependsOn { get; init; } = [];
    public ImmutableArray<HealthCheck> HealthChecks { get; init; } = [];
    public DeployStrategy DeployStrategy { get; init; } = DeployStrategy.Rolling;
    public Criticality Criticality { get; init; } = Criticality.Medium;
    public bool BuildOnTarget { get; init; }
    /// <summary>How the engine reaches the host: over SSH, through its agent, or (<see cref="HostTransport.Auto"/>) the agent when one is connected.</summary>
    public HostTransport Transport { get; init; } = HostTransport.Auto;
    /// <summary>
    /// A Nix binary cache the host fetches its closure from when reached through its agent
    /// (<c>file:///srv/cache</c>, <c>ssh://cache.lan</c>, <c>https://cache.example.org</c>); the
    /// deployer pushes there first unless it is HTTP(S). Null: an agent-reached host builds or
    /// substitutes with its own settings.
    /// </summary>
    public string? Cache { get; init; }
    /// <summary>
    /// Pull mode: a flake URL the host fetches to build its own system (<c>git+https://git.lan/fleet</c>,
    /// <c>git+file:///srv/fleet</c>), at the run's revision of the inventory's flake; nothing is built
    /// or copied from the deployer. Null: the deployer builds (or the build host, or the target with
    /// <see cref="BuildOnTarget"/>) and copies or pushes the closure.
    /// </summary>
    public string? PullFrom { get; init; }
    /// <summary>Another host (an SSH destination) that builds this host's closure, or null.</summary>
    public string? BuildHost { get; init; }
    public ImmutableArray<Key> Keys { get; init; } = [];
    /// <summary>
    /// What builds the host's system: a flake output attribute path
    /// (<c>nixosConfigurations.hsb0.config.system.build.toplevel</c>) or null when the source names none.
    /// </summary>
    public string? SystemAttribute { get; init; }
    /// <summary>
    /// A Nix file that builds the host's system (the inventory's <c>system: "./machines.nix#web"</c>),
    /// absolute; <see cref="SystemAttribute"/> is then the attribute path inside it (null: the file's value).
    /// </summary>
    public string? SystemFile { get; init; }
    /// <summary>The machine as its hypervisor creates it (NixMox's Proxmox LXC settings), or null.</summary>
    public MachineProvisioning? Provisioning { get; init; }
    public Origin Origin { get; init; } = Origin.None;
}

/// <summary>
/// How a host's machine is created on its hypervisor (NixMox: <c>vmid</c>, <c>resources</c>,
/// <c>onboot</c>, <c>start</c>, read for Proxmox by its Terraform). Flotilla shows it and keeps it
/// for the infrastructure side. Immutable.
/// </summary>
public sealed record MachineProvisioning
{
    public int? Vmid { get; init; }
    public int? Cores { get; init; }
    public int? MemoryMiB { get; init; }
    public int? DiskGiB { get; init; }
    /// <summary>Started when the hypervisor boots (null: the hypervisor's default, on).</summary>
    public bool? OnBoot { get; init; }
    /// <summary>
    /// Started once created (null: on). A host created stopped is not deployed or rebooted unless
    /// it is named in the selection.
    /// </summary>
    public bool? Start { get; init; }
}
