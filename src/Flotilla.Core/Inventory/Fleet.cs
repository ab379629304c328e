using System.Collections.Immutable;
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

    /// <summary>The flake directory for a flake inventory, else null.</summary>
    public string? FlakeDirectory { get; init; }

    public Host? FindHost(string name)
    {
        foreach (var host in Hosts)
        {
            if (host.Name == name)
            {
                return host;
            }
        }

        return null;
    }
}
