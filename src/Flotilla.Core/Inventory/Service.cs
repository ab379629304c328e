using System.Collections.Immutable;

namespace Flotilla.Inventory;

/// <summary>Something that runs on a host. Immutable.</summary>
public sealed record Service
{
    public required string Name { get; init; }
    /// <summary>Name of the <see cref="Host"/> the service runs on.</summary>
    public required string Host { get; init; }
    public ServiceTier Tier { get; init; } = ServiceTier.App;
    /// <summary>Names of services this one needs running before it activates (written as such).</summary>
    public ImmutableArray<string> DependsOn { get; init; } = [];
    public ImmutableArray<int> Ports { get; init; } = [];
    public ImmutableArray<HealthCheck> HealthChecks { get; init; } = [];
    /// <summary>Reverse-proxy entries: none, the service's single one, or several named ones.</summary>
    public ImmutableArray<ProxySpec> Proxies { get; init; } = [];
    /// <summary>Databases the service uses: its <c>db</c> and every entry of its <c>dbs</c>.</summary>
    public ImmutableArray<DatabaseSpec> Databases { get; init; } = [];
    public AuthSpec? Auth { get; init; }
    public TerraformSpec? Terraform { get; init; }
    public BackupSpec? Backup { get; init; }
    public ContainerSpec? Container { get; init; }
    /// <summary>The NixOS service the container replaces (<c>flotilla migrate</c>); only with <see cref="Container"/>.</summary>
    public LegacySpec? Legacy { get; init; }
    /// <summary>The service's version as the source writes it (NixMox <c>version</c>), for display.</summary>
    public string? Version { get; init; }
    public Origin Origin { get; init; } = Origin.None;

    /// <summary>
    /// Every reference to another part of the fleet that this service makes, in source order:
    /// <c>dependsOn</c>, each database's <c>host</c> (activation dependencies) and each
    /// <c>auth.provider</c>, its own or a proxy entry's (configuration dependencies).
    /// </summary>
    public IEnumerable<ServiceDependency> Dependencies()
    {
        for (var i = 0; i < DependsOn.Length; i++)
        {
            yield return new ServiceDependency(DependsOn[i], DependencyKind.Activation, DependencySource.DependsOn, Origin.Of("dependsOn", i));
        }

        foreach (var database in Databases)
        {
            if (database.Host is { } host)
            {
                yield return new ServiceDependency(host, DependencyKind.Activation, DependencySource.DatabaseHost, (database.SourcePath.Length > 0 ? database.SourcePath : Origin.Of("db")) + ".host");
            }
        }

        if (Auth?.Provider is { } provider)
        {
            yield return new ServiceDependency(provider, DependencyKind.Configuration, DependencySource.AuthProvider, Auth.SourcePath.Length > 0 ? Auth.SourcePath + ".provider" : Origin.Of("auth.provider"));
        }

        foreach (var proxy in Proxies)
        {
            if (proxy.Auth?.Provider is { } proxyProvider)
            {
                yield return new ServiceDependency(proxyProvider, DependencyKind.Configuration, DependencySource.AuthProvider, proxy.Auth.SourcePath + ".provider");
            }
        }
    }
}

/// <summary>What waits for a dependency.</summary>
public enum DependencyKind
{
    /// <summary>The service activates only once the other one is deployed and healthy.</summary>
    Activation,

    /// <summary>
    /// Only the service's configuration against the other one (its auth clients: NixMox's
    /// <c>tf:auth-core</c> and <c>tf:service-config</c>) waits; the service activates without it.
    /// </summary>
    Configuration,
}

/// <summary>Which attribute a dependency comes from.</summary>
public enum DependencySource
{
    /// <summary><c>depends_on</c> / <c>dependsOn</c>: a service name.</summary>
    DependsOn,

    /// <summary><c>db.host</c> or <c>dbs.NAME.host</c>: a service name, a host name, a hostname or an address.</summary>
    DatabaseHost,

    /// <summary><c>auth.provider</c>, the service's or one of its proxy entries': a service name.</summary>
    AuthProvider,
}

/// <summary>
/// One reference from a service to what it needs: the name as written (<see cref="Target"/>),
/// what waits for it, and the source path it is written at. Immutable.
/// </summary>
public sealed record ServiceDependency(string Target, DependencyKind Kind, DependencySource Source, string Path)
{
    /// <summary>How messages name the attribute: <c>depends_on</c>, <c>db.host</c>, <c>auth.provider</c>.</summary>
    public string Label(Origin origin) => Source switch
    {
        DependencySource.DependsOn => origin.FieldNames.TryGetValue("dependsOn", out var spelled) ? spelled : "dependsOn",
        DependencySource.DatabaseHost => "db.host",
        _ => "auth.provider",
    };
}
