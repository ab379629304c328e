using System.Collections.Immutable;

namespace Flotilla.Dashboard;

/// <summary>One row of the fleet page, as the control plane knows the host now.</summary>
/// <param name="Generation">The system generation the host runs (e.g. "42"), if known.</param>
/// <param name="GenerationCurrent">Whether that generation is the one the fleet's configuration wants (null: unknown).</param>
/// <param name="Metrics">The last heartbeat's figures (the pages show its percentages); null before the first.</param>
public sealed record HostSummary(
    string Name,
    bool Online,
    DateTimeOffset? LastSeen,
    string? Platform,
    string? Generation,
    bool? GenerationCurrent,
    ImmutableArray<string> Tags,
    ImmutableArray<DriftCompartment> Drift,
    HostMetrics? Metrics)
{
    /// <summary>The host's containers at its agent's last heartbeat (empty: none, no podman, or offline).</summary>
    public ImmutableArray<Flotilla.Contracts.ContainerState> Containers { get; init; } = [];

    /// <summary>The file systems its agent watches, at its last heartbeat (empty: none reported, or offline).</summary>
    public ImmutableArray<Flotilla.Contracts.StorageUsage> Storage { get; init; } = [];

    /// <summary>Those of <see cref="Storage"/> past their warning or critical threshold.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public IEnumerable<Flotilla.Contracts.StorageUsage> StorageAlerts => Storage.Where(s => s.Severity != Flotilla.Contracts.StorageSeverity.Ok);

    /// <summary>Its scheduled backups, as its agent last reported them (empty: none reported, or offline).</summary>
    public ImmutableArray<Flotilla.Contracts.BackupReport> Backups { get; init; } = [];

    /// <summary>Those of <see cref="Backups"/> whose last run failed, is not verified, or cannot be read.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public IEnumerable<Flotilla.Contracts.BackupReport> BackupAlerts => Backups.Where(b => b.State != "ok");

    /// <summary>How many of <see cref="Containers"/> are down: not running, or running and unhealthy by podman's own health check.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public int ContainersDown => Containers.Count(IsDown);

    /// <summary>Whether a container is down (dashboard.js's <c>containerDown</c> says the same).</summary>
    public static bool IsDown(Flotilla.Contracts.ContainerState container)
    {
        ArgumentNullException.ThrowIfNull(container);
        return container.State != "running" || (container.Status?.Contains("(unhealthy)", StringComparison.Ordinal) ?? false);
    }
}

/// <summary>One of NixFleet's drift compartments (agent, git, lock, system, tests) with why it is in that state.</summary>
public sealed record DriftCompartment(string Name, DriftState State, string? Reason);

public enum DriftState
{
    Unknown,
    Ok,
    Outdated,
    Failed,
}

/// <summary>The host page: the summary and the facts the agent registered with (hostname, os, nixpkgs, flake revision...).</summary>
public sealed record HostDetail(HostSummary Summary, ImmutableSortedDictionary<string, string> Facts);
