using Flotilla.Maintenance;

namespace Flotilla.Execution.Operations;

/// <summary>How a run holds its lease on the hosts it changes: its TTL, and how long it waits for another run's. Immutable.</summary>
public sealed record LeaseSettings(TimeSpan Ttl, TimeSpan Wait)
{
    public static readonly LeaseSettings Default = new(HostLeaseRequest.DefaultTtl, TimeSpan.Zero);
}

/// <summary>What an unattended run (reboot, deploy --reboot, upgrade) checks and holds: its window, its lease on the whole fleet, pre-flight limits (null: none), boot timeout. Immutable.</summary>
public sealed record MaintenanceSettings(
    MaintenanceWindow? Window,
    LeaseSettings Lease,
    PreflightLimits? Preflight,
    TimeSpan BootTimeout,
    TimeSpan PollInterval);
