using System.Text.Json.Serialization;
using Flotilla.Inventory;

namespace Flotilla.Cli.Output;

/// <summary>One host as <c>flotilla hosts --json</c> prints it (docs/inventory.md).</summary>
internal sealed record HostView(
    string Name,
    string Hostname,
    string? Role,
    IReadOnlyList<string> Groups,
    TargetView Target,
    string Platform,
    int? RebootOrder,
    double RebootDelaySeconds,
    IReadOnlyList<string> DependsOn,
    string DeployStrategy,
    string Criticality,
    IReadOnlyList<string> Services,
    ProvisioningView? Provisioning)
{
    public static HostView From(Host host, IReadOnlyList<string> services) => new(
        host.Name,
        host.Hostname,
        host.Role,
        host.Tags,
        new TargetView(host.Target.Address, host.Target.User, host.Target.Port),
        host.Platform.ToInventoryName(),
        host.RebootOrder,
        host.RebootDelay.TotalSeconds,
        host.DependsOn,
        host.DeployStrategy.ToInventoryName(),
        host.Criticality.ToInventoryName(),
        services,
        host.Provisioning is { } p ? new ProvisioningView(p.Vmid, p.Cores, p.MemoryMiB, p.DiskGiB, p.OnBoot, p.Start) : null);
}

/// <summary>How the host's machine is created (NixMox's Proxmox settings); null fields were not given.</summary>
internal sealed record ProvisioningView(int? Vmid, int? Cores, int? MemoryMiB, int? DiskGiB, bool? OnBoot, bool? Start);

internal sealed record TargetView(string Address, string User, int Port);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(IReadOnlyList<HostView>))]
[JsonSerializable(typeof(IReadOnlyList<StatusView>))]
[JsonSerializable(typeof(IReadOnlyList<StorageView>))]
[JsonSerializable(typeof(IReadOnlyList<ServiceView>))]
internal sealed partial class CliJsonContext : JsonSerializerContext;
