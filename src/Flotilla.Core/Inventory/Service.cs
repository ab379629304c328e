using System.Collections.Immutable;

namespace Flotilla.Inventory;

/// <summary>Something that runs on a host. Immutable.</summary>
public sealed record Service
{
    public required string Name { get; init; }
    /// <summary>Name of the <see cref="Host"/> the service runs on.</summary>
    public required string Host { get; init; }
    public ServiceTier Tier { get; init; } = ServiceTier.App;
    /// <summary>Names of services this one needs.</summary>
    public ImmutableArray<string> DependsOn { get; init; } = [];
    public ImmutableArray<int> Ports { get; init; } = [];
    public ImmutableArray<HealthCheck> HealthChecks { get; init; } = [];
    public ProxySpec? Proxy { get; init; }
    public DatabaseSpec? Database { get; init; }
    public AuthSpec? Auth { get; init; }
    public TerraformSpec? Terraform { get; init; }
    public BackupSpec? Backup { get; init; }
    public ContainerSpec? Container { get; init; }
    public Origin Origin { get; init; } = Origin.None;
}
