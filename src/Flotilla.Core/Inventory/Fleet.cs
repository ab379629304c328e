using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using Flotilla.Diagnostics;

namespace Flotilla.Inventory;

/// <summary>Fleet-wide network settings (NixMox <c>network</c>).</summary>
public sealed record NetworkSettings
{
    /// <summary>The fleet's base domain (NixMox <c>network.domain</c>).</summary>
    public string? Domain { get; init; }
    public string? DnsServer { get; init; }
    public string? Gateway { get; init; }
    public string? Cidr { get; init; }
    public int? VlanTag { get; init; }
}

/// <summary>
/// NixMox's deployment settings (its manifest's <c>deployment_phases</c>, <c>health_check_timeout</c>,
/// <c>retry_attempts</c>, <c>retry_delay</c>, <c>enable_rollback</c>). Immutable.
/// </summary>
public sealed record DeploymentSettings
{
    /// <summary>Services whose machines <c>tf:infra</c> provisions, in order.</summary>
    public ImmutableArray<string> InfraPhase { get; init; } = [];
    /// <summary>Core services in the order they deploy (each after the one before is verified), where dependencies allow.</summary>
    public ImmutableArray<string> CorePhase { get; init; } = [];
    /// <summary>Services whose Terraform runs in <c>tf:auth-core</c>.</summary>
    public ImmutableArray<string> AuthCorePhase { get; init; } = [];
    /// <summary>App services in their preferred order (ties in the dependency order).</summary>
    public ImmutableArray<string> ServicesPhase { get; init; } = [];
    /// <summary>How long a service's health gate may take in all, or null for no bound beyond its checks'.</summary>
    public TimeSpan? HealthTimeout { get; init; }
    /// <summary>Attempts of a health check that sets no <c>retries</c> of its own.</summary>
    public int? RetryAttempts { get; init; }
    /// <summary>Wait between attempts of a health check that sets no <c>interval</c> of its own.</summary>
    public TimeSpan? RetryDelay { get; init; }
    /// <summary>Whether a host that fails its health gate is rolled back (NixMox <c>enable_rollback</c>; default true).</summary>
    public bool RollbackOnFailure { get; init; } = true;
    /// <summary>The source path of each phase list (<c>deployment_phases.nix_core</c>), for messages.</summary>
    public string PhasesPath { get; init; } = "deployment_phases";
}

/// <summary>Which kind of source an inventory was read from.</summary>
public enum InventoryFormat
{
    Manifest,
    Flake,
    Json,
    Yaml,
}

/// <summary>
/// The whole inventory, normalised from any source: hosts, services, network. Immutable; safe to
/// share between threads. <see cref="Diagnostics"/> holds what loading found (unknown attributes,
/// wrong types); validation adds the rest.
/// </summary>
public sealed record Fleet
{
    public required string SourcePath { get; init; }
    public required InventoryFormat Format { get; init; }
    public ImmutableArray<Host> Hosts { get; init; } = [];
    public ImmutableArray<Service> Services { get; init; } = [];
    public NetworkSettings? Network { get; init; }
    public ImmutableArray<Diagnostic> Diagnostics { get; init; } = [];
    /// <summary>Deployment settings of the source (NixMox's), or defaults.</summary>
    public DeploymentSettings Deployment { get; init; } = new();
    /// <summary>Services the source defines but disables (<c>enable = false</c>): left out, but still names a phase list may use.</summary>
    public ImmutableArray<string> DisabledServices { get; init; } = [];

    /// <summary>
    /// The flake that builds the hosts' systems: the inventory itself when it is a flake; for other
    /// inventories the <c>flake</c> they name or a <c>flake.nix</c> beside them; else null.
    /// </summary>
    public string? FlakeDirectory { get; init; }

    /// <summary>The host of that name (the first, if an invalid inventory repeats it), or null; O(1).</summary>
    public Host? FindHost(string name) =>
        HostsByName.GetValue(this, static fleet => BuildIndex(fleet.Hosts)).GetValueOrDefault(name);

    // Kept beside the record rather than in a field, so that `with` copies and record equality
    // never see a stale or extra member.
    private static readonly ConditionalWeakTable<Fleet, Dictionary<string, Host>> HostsByName = new();

    private static Dictionary<string, Host> BuildIndex(ImmutableArray<Host> hosts)
    {
        var index = new Dictionary<string, Host>(hosts.Length, StringComparer.Ordinal);
        foreach (var host in hosts)
        {
            index.TryAdd(host.Name, host);
        }

        return index;
    }
}
