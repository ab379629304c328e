using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using Flotilla.Diagnostics;

namespace Flotilla.Inventory;

/// <summary>Fleet-wide network settings (NixMox <c>network</c>).</summary>
public sealed record NetworkSettings
{
    public string? DnsServer { get; init; }
    public string? Gateway { get; init; }
    public string? Cidr { get; init; }
    public int? VlanTag { get; init; }
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
