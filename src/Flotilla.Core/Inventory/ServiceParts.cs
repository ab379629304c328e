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
    /// <summary>restic: the repository (a path or URL on the host). kopia: its config file on the host (<c>*.config</c>), or a filesystem repository directory.</summary>
    public string? Repository { get; init; }
    public string? Schedule { get; init; }
    /// <summary>Name of a <see cref="Key"/> on the host that holds the repository password.</summary>
    public string? PasswordKey { get; init; }
    /// <summary>A file on the host that holds the repository password (restic's <c>RESTIC_PASSWORD_FILE</c>; read into <c>KOPIA_PASSWORD</c> for kopia); else <see cref="PasswordKey"/>'s file.</summary>
    public string? PasswordFile { get; init; }
    public ImmutableArray<string> Exclude { get; init; } = [];
    /// <summary>Stop the service (and its dependents on the host first) for a consistent snapshot, and start them again after it.</summary>
    public bool Stop { get; init; }
    /// <summary>A command run on the host (by <c>sh -c</c>) before the snapshot, such as a database dump; a failure ends the backup.</summary>
    public string? Before { get; init; }
    /// <summary>A command run on the host after the snapshot.</summary>
    public string? After { get; init; }
    /// <summary>Retention: how many daily, weekly and monthly verified snapshots to keep (none given: keep all).</summary>
    public int? KeepDaily { get; init; }
    public int? KeepWeekly { get; init; }
    public int? KeepMonthly { get; init; }
}

/// <summary>
/// The NixOS service a container service replaces (seed 001's side-by-side migration: nixarr's
/// systemd <c>sonarr</c> beside the container <c>sonarr</c>): its unit, the ports it listens on,
/// its data and who owns it. <c>flotilla migrate</c> moves the service from it to the container
/// and back. Immutable.
/// </summary>
public sealed record LegacySpec
{
    /// <summary>The systemd unit (<c>sonarr.service</c>).</summary>
    public required string Unit { get; init; }
    public ImmutableArray<int> Ports { get; init; } = [];
    /// <summary>Where the legacy service keeps its data on the host (<c>services.sonarr.dataDir</c>).</summary>
    public string? DataDirectory { get; init; }
    /// <summary>Who owns that data (<c>sonarr</c>, or <c>UID:GID</c>), as the unit's <c>User</c>/<c>Group</c> say.</summary>
    public string? User { get; init; }
    /// <summary>Checks that say the legacy service is back (a rollback); none: a TCP connect to each port.</summary>
    public ImmutableArray<HealthCheck> HealthChecks { get; init; } = [];
    /// <summary>Where it is declared, for messages.</summary>
    public string SourcePath { get; init; } = "";
}

/// <summary>Where a container is declared (for messages, and for what Flotilla may change).</summary>
public enum ContainerSource
{
    /// <summary>The inventory's <c>container</c> part (JSON, YAML, a NixMox manifest).</summary>
    Inventory,

    /// <summary>A NixOS host's <c>virtualisation.oci-containers.containers.NAME</c> (compose2nix writes these).</summary>
    OciContainers,

    /// <summary>Flotilla's NixOS module: <c>flotilla.containers.NAME</c> (it also declares the oci-containers entry).</summary>
    FlotillaModule,

    /// <summary>Seed 000's <c>services.dagger.NAME</c>.</summary>
    Dagger,

    /// <summary>Seed 001's <c>services.dagger.nixarr.NAME</c>.</summary>
    DaggerNixarr,
}

/// <summary>
/// A secret a container reads: written on its host to <see cref="ContainerSpec.SecretsDirectory"/>
/// (default <c>/run/flotilla-secrets/CONTAINER</c>) as <c>NAME</c>, mode <see cref="Mode"/> and
/// owned by the container's user, mounted read-only at <see cref="MountPath"/>; never an
/// environment variable, an argument, a store path or a log line. Immutable.
/// </summary>
public sealed record ContainerSecret
{
    public required string Name { get; init; }
    /// <summary>An age-encrypted file (<c>.age</c>), a SOPS file (<c>.yaml</c>/<c>.json</c>/<c>.env</c> with <see cref="SopsKey"/>) or a plain file, on the machine that deploys.</summary>
    public required string File { get; init; }
    public SecretFormat Format { get; init; } = SecretFormat.Age;
    /// <summary>For SOPS files: the key whose value is the secret (<c>nixarr/sonarr/api-key</c>); null: the whole file.</summary>
    public string? SopsKey { get; init; }
    public string Mode { get; init; } = "0440";
    /// <summary>Where the container sees it; default <c>/run/secrets/NAME</c>.</summary>
    public string? MountPath { get; init; }
    public string SourcePath { get; init; } = "";
}

/// <summary>How a <see cref="ContainerSecret"/>'s file is encrypted.</summary>
public enum SecretFormat
{
    Age,
    Sops,
    /// <summary>Not encrypted: a file readable only by the deploying user.</summary>
    Plain,
}

/// <summary>
/// An OCI container that implements a service (seeds 000/001: podman units, nixarr), with the
/// options NixOS's <c>virtualisation.oci-containers</c> has, spelled as it spells them, and what
/// Flotilla adds (limits, secrets, auto-update). Immutable.
/// </summary>
public sealed record ContainerSpec
{
    /// <summary>The container's own name on its host (the oci-containers attribute); null: its service's name.</summary>
    public string? Name { get; init; }
    public required string Image { get; init; }
    /// <summary>An image archive to load instead of pulling (oci-containers <c>imageFile</c>, a store path).</summary>
    public string? ImageFile { get; init; }
    /// <summary>Port mappings as written (<c>8989:8989</c>, <c>127.0.0.1:80:80/tcp</c>).</summary>
    public ImmutableArray<string> Ports { get; init; } = [];
    public ImmutableArray<string> Volumes { get; init; } = [];
    public ImmutableSortedDictionary<string, string> Environment { get; init; } = ImmutableSortedDictionary<string, string>.Empty;
    /// <summary>Files with environment variables (secrets bridged to a runtime dir), not their contents.</summary>
    public ImmutableArray<string> EnvironmentFiles { get; init; } = [];
    public ImmutableSortedDictionary<string, string> Labels { get; init; } = ImmutableSortedDictionary<string, string>.Empty;
    /// <summary>Options for <c>podman run</c> as written (<c>--network=host</c>, <c>--dns=1.1.1.1</c>, <c>--cap-add=NET_ADMIN</c>).</summary>
    public ImmutableArray<string> ExtraOptions { get; init; } = [];
    /// <summary>The container's network: <c>host</c>, <c>bridge</c>, a named network, or null for podman's default.</summary>
    public string? Network { get; init; }
    public string LogDriver { get; init; } = "journald";
    /// <summary><c>UID:GID</c> or a name, as podman's <c>--user</c> takes it.</summary>
    public string? User { get; init; }
    public bool AutoStart { get; init; } = true;
    public ImmutableArray<string> Command { get; init; } = [];
    public string? Entrypoint { get; init; }
    public ImmutableArray<string> Devices { get; init; } = [];
    public bool Privileged { get; init; }
    /// <summary>Podman's <c>--memory</c> (<c>512m</c>, <c>2g</c>); seed 000's <c>MemoryMax</c>.</summary>
    public string? Memory { get; init; }
    /// <summary>Podman's <c>--cpus</c> (<c>1.5</c>); seed 000's <c>CPUQuota = 200%</c> is 2.</summary>
    public string? Cpus { get; init; }
    /// <summary>Podman's <c>--pids-limit</c>; seed 000's <c>TasksMax</c>.</summary>
    public int? TasksMax { get; init; }
    public string Restart { get; init; } = "on-failure";
    /// <summary>Podman's auto-update policy (<c>registry</c> or <c>local</c>; the <c>io.containers.autoupdate</c> label, or seed 000's <c>enableAutoUpdate</c>); null: never.</summary>
    public string? AutoUpdate { get; init; }
    public ImmutableArray<ContainerSecret> Secrets { get; init; } = [];
    /// <summary>Where the host keeps the container's secrets; null: <c>/run/flotilla-secrets/NAME</c> (seed 000: <c>services.dagger.secrets.runtime.secretsDir</c>).</summary>
    public string? SecretsDirectory { get; init; }
    /// <summary>The service's data on the host (seed 000's <c>dataDir</c>), for backups and migration.</summary>
    public string? DataDirectory { get; init; }
    public ContainerSource Source { get; init; } = ContainerSource.Inventory;
    /// <summary>Where the container part is written, for messages.</summary>
    public string SourcePath { get; init; } = "";
}
