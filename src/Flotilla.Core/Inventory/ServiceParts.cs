using System.Collections.Immutable;
using System.Text.Json;

namespace Flotilla.Inventory;

/// <summary>
/// A reverse-proxy entry for a service (NixMox <c>interface.proxy</c>): the service's only one
/// (<c>proxy = { domain; ... }</c>, <see cref="Name"/> null) or one of several named ones
/// (<c>proxy = { grafana = { domain; ... }; ... }</c>), as NixMox's Caddy module reads them.
/// </summary>
public sealed record ProxySpec
{
    /// <summary>The entry's name in a multi-proxy service; null for a service's single entry.</summary>
    public string? Name { get; init; }
    public required string Domain { get; init; }
    public string Path { get; init; } = "/";
    public string? Upstream { get; init; }
    public int? Port { get; init; }
    public bool Tls { get; init; } = true;
    public bool Authz { get; init; }
    public ImmutableArray<string> Aliases { get; init; } = [];
    public ImmutableSortedDictionary<string, string> Headers { get; init; } = ImmutableSortedDictionary<string, string>.Empty;
    /// <summary>Caddy configuration added to the site as written (NixMox <c>extra_config</c>).</summary>
    public string? ExtraConfig { get; init; }
    /// <summary>Per-entry authentication (NixMox: forward_auth or oidc for one of a service's sites).</summary>
    public AuthSpec? Auth { get; init; }
    /// <summary>Where the entry is written, for messages.</summary>
    public string SourcePath { get; init; } = "";
}

/// <summary>
/// A database a service uses (NixMox <c>interface.db</c>, or one entry of <c>interface.dbs</c>):
/// created by the database server at <see cref="Host"/> for <see cref="Owner"/>.
/// </summary>
public sealed record DatabaseSpec
{
    /// <summary>The entry's name in <c>dbs</c>; null for a service's single <c>db</c>.</summary>
    public string? Key { get; init; }
    public required string Name { get; init; }
    /// <summary>
    /// The server's address, hostname or service name; another service of the fleet named here
    /// is an activation dependency. Null: the service's own host.
    /// </summary>
    public string? Host { get; init; }
    public string? Owner { get; init; }
    public int? Port { get; init; }
    public string Mode { get; init; } = "standalone";
    public ImmutableArray<string> Extensions { get; init; } = [];
    /// <summary>More databases owned by the same role (NixMox <c>additionaldbs</c>, such as <c>sonarr-log</c>).</summary>
    public ImmutableArray<string> AdditionalDatabases { get; init; } = [];
    public bool Superuser { get; init; }
    public ImmutableArray<string> Migrations { get; init; } = [];
    /// <summary>Where the entry is written, for messages.</summary>
    public string SourcePath { get; init; } = "";
}

/// <summary>OIDC details of <see cref="AuthSpec"/>.</summary>
public sealed record OidcSpec
{
    public string? ClientId { get; init; }
    /// <summary><c>confidential</c> or <c>public</c>.</summary>
    public string? ClientType { get; init; }
    public ImmutableArray<string> RedirectUris { get; init; } = [];
    public ImmutableArray<string> Scopes { get; init; } = [];
    public string? UsernameClaim { get; init; }
    public string? GroupsClaim { get; init; }
}

/// <summary>How a service authenticates people (NixMox <c>interface.auth</c>).</summary>
public sealed record AuthSpec
{
    /// <summary><c>oidc</c>, <c>forward_auth</c>, ...</summary>
    public required string Type { get; init; }
    /// <summary>
    /// The service that provides authentication (for example <c>authentik</c>, possibly the service
    /// itself): a configuration dependency. The service's auth configuration waits for it; its
    /// activation does not.
    /// </summary>
    public string? Provider { get; init; }
    public OidcSpec? Oidc { get; init; }
    /// <summary>The provider's endpoint for forward authentication (NixMox <c>forward_auth_upstream</c>).</summary>
    public string? ForwardAuthUpstream { get; init; }
    /// <summary>Where the entry is written, for messages.</summary>
    public string SourcePath { get; init; } = "";
}

/// <summary>Terraform/OpenTofu resources that belong to a service (NixMox <c>interface.terraform</c>).</summary>
public sealed record TerraformSpec
{
    public ImmutableArray<string> Modules { get; init; } = [];
    public ImmutableArray<string> Targets { get; init; } = [];
    /// <summary>Targets applied one at a time in this order before the rest (NixMox <c>apply_order</c>).</summary>
    public ImmutableArray<string> ApplyOrder { get; init; } = [];
    /// <summary>Variables as JSON values (strings, numbers, lists...), cloned so they outlive their document.</summary>
    public ImmutableSortedDictionary<string, JsonElement> Variables { get; init; } = ImmutableSortedDictionary<string, JsonElement>.Empty;
}

/// <summary>What to back up for a service and with which tool (restic, kopia).</summary>
public sealed record BackupSpec
{
    public ImmutableArray<string> Paths { get; init; } = [];
    public string Tool { get; init; } = "restic";
    public string? Repository { get; init; }
    public string? Schedule { get; init; }
    /// <summary>Name of a <see cref="Key"/> on the host that holds the repository password.</summary>
    public string? PasswordKey { get; init; }
    public ImmutableArray<string> Exclude { get; init; } = [];
}

/// <summary>An OCI container that implements a service (seed 000/001: podman units, nixarr).</summary>
public sealed record ContainerSpec
{
    public required string Image { get; init; }
    /// <summary>Port mappings as written (<c>8989:8989</c>, <c>127.0.0.1:80:80/tcp</c>).</summary>
    public ImmutableArray<string> Ports { get; init; } = [];
    public ImmutableArray<string> Volumes { get; init; } = [];
    public ImmutableSortedDictionary<string, string> Environment { get; init; } = ImmutableSortedDictionary<string, string>.Empty;
    /// <summary>Files with environment variables (secrets bridged to a runtime dir), not their contents.</summary>
    public ImmutableArray<string> EnvironmentFiles { get; init; } = [];
    public string? User { get; init; }
    public string? Memory { get; init; }
    public string? Cpus { get; init; }
    public string Restart { get; init; } = "on-failure";
    /// <summary>Where the container part is written, for messages.</summary>
    public string SourcePath { get; init; } = "";
}
