using System.Collections.Immutable;
using System.Text.Json;

namespace Flotilla.Inventory;

/// <summary>A reverse-proxy entry for a service (NixMox <c>interface.proxy</c>).</summary>
public sealed record ProxySpec
{
    public required string Domain { get; init; }
    public string Path { get; init; } = "/";
    public string? Upstream { get; init; }
    public bool Tls { get; init; } = true;
    public bool Authz { get; init; }
}

/// <summary>A database a service owns or uses (NixMox <c>interface.db</c>).</summary>
public sealed record DatabaseSpec
{
    public required string Name { get; init; }
    public int? Port { get; init; }
    public string Mode { get; init; } = "standalone";
}

/// <summary>OIDC details of <see cref="AuthSpec"/>.</summary>
public sealed record OidcSpec
{
    public ImmutableArray<string> RedirectUris { get; init; } = [];
    public ImmutableArray<string> Scopes { get; init; } = [];
    public string? UsernameClaim { get; init; }
    public string? GroupsClaim { get; init; }
}

/// <summary>How a service authenticates people (NixMox <c>interface.auth</c>).</summary>
public sealed record AuthSpec
{
    public required string Type { get; init; }
    /// <summary>The service that provides authentication (for example <c>authentik</c>); a dependency.</summary>
    public string? Provider { get; init; }
    public OidcSpec? Oidc { get; init; }
}

/// <summary>Terraform/OpenTofu resources that belong to a service (NixMox <c>interface.terraform</c>).</summary>
public sealed record TerraformSpec
{
    public ImmutableArray<string> Modules { get; init; } = [];
    public ImmutableArray<string> Targets { get; init; } = [];
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
}
