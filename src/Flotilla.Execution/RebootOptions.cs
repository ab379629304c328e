using Flotilla.Maintenance;

namespace Flotilla.Execution;

/// <summary>How <c>flotilla reboot</c> reboots hosts. Immutable.</summary>
public sealed record RebootOptions
{
    /// <summary>A host must be back (answering with a new boot id) this long after the reboot was issued (<c>--boot-timeout</c>).</summary>
    public TimeSpan BootTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>How often a rebooting host is asked for its boot id.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>When set, no host starts rebooting outside it: the sequence stops with when it opens next.</summary>
    public MaintenanceWindow? Window { get; init; }

    /// <summary>ssh, health-check and clock settings (the health gates run as a deploy's do).</summary>
    public DeployOptions Deploy { get; init; } = new();
}
