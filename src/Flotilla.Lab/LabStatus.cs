namespace Flotilla.Lab;

/// <summary>What a lab host is doing, read from its namespaces without SSH. Immutable.</summary>
public sealed record LabHostStatus
{
    public required string Name { get; init; }
    public required string Address { get; init; }
    /// <summary>The host's init (the process holding its namespaces) is alive.</summary>
    public required bool Running { get; init; }
    public required bool LinkUp { get; init; }
    /// <summary>Something accepts TCP connections on the host's port 22.</summary>
    public required bool SshListening { get; init; }
    public string? BootId { get; init; }
    public string? CurrentSystem { get; init; }
    public string? BootedSystem { get; init; }
    /// <summary>The current system's kernel differs from the booted one.</summary>
    public bool RebootRequired { get; init; }
    /// <summary>Service name to <c>active</c>, <c>failed</c> or <c>inactive</c>.</summary>
    public IReadOnlyDictionary<string, string> Services { get; init; } = new Dictionary<string, string>();
    /// <summary>Fault markers present in the host's /run/lab/faults.</summary>
    public IReadOnlyList<string> Faults { get; init; } = [];
    /// <summary>Sum of the resident memory (RSS) of the host's processes, in bytes.</summary>
    public long MemoryBytes { get; init; }
}

/// <summary>A lab's hosts at one moment. Immutable.</summary>
public sealed record LabStatus(string Name, IReadOnlyList<LabHostStatus> Hosts);
