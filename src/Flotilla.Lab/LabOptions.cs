using Flotilla.Inventory;

namespace Flotilla.Lab;

/// <summary>
/// What <see cref="Lab.UpAsync"/> builds: the hosts of <see cref="Fleet"/> (with their metadata,
/// dependencies and health checks) or <see cref="HostCount"/> generic hosts.
/// </summary>
public sealed class LabOptions
{
    /// <summary>Where labs keep their state unless told otherwise (one directory per lab).</summary>
    public const string DefaultStateRoot = "/var/lib/flotilla/lab";

    /// <summary>The lab's name: lower-case letters, digits and '-', at most 32 characters.</summary>
    public required string Name { get; init; }

    /// <summary>The inventory whose hosts the lab recreates; null means <see cref="HostCount"/> generic hosts.</summary>
    public Fleet? Fleet { get; init; }

    /// <summary>How many generic hosts (<c>host-1</c> ...) to make when <see cref="Fleet"/> is null.</summary>
    public int HostCount { get; init; }

    public string StateRoot { get; init; } = DefaultStateRoot;

    /// <summary>
    /// Whether hosts run podman (with the lab's registry and stand-in images): null, the hosts of
    /// <see cref="Fleet"/>'s container services; true, every host; false, none.
    /// </summary>
    public bool? Containers { get; init; }

    /// <summary>How long a host may take to boot (sshd answering) before <see cref="Lab.UpAsync"/> fails.</summary>
    public TimeSpan BootTimeout { get; init; } = TimeSpan.FromSeconds(60);

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
