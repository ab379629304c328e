using System.Collections.Immutable;

namespace Flotilla.Execution.Operations;

/// <summary>How a host's deploy went in an upgrade.</summary>
public enum UpgradeDeploy
{
    Deployed,
    Failed,
    NotDeployed,
}

/// <summary>How a host's reboot went in an upgrade.</summary>
public enum UpgradeReboot
{
    Rebooted,
    /// <summary>Deployed; it needed no reboot, or the sequence stopped before it (the sequence's report says which).</summary>
    NotNeededOrNotRebooted,
    NotRebooted,
    /// <summary>The orchestrator's own host needs no reboot.</summary>
    LocalNotNeeded,
    /// <summary>The orchestrator's own host needs a reboot, held back because something else failed.</summary>
    LocalHeldBack,
    /// <summary>The orchestrator's own host is asked to reboot now, last, and not waited for.</summary>
    LocalRebooting,
}

/// <summary>One host of an upgrade's report. Immutable.</summary>
public sealed record UpgradeHostReport(string Host, UpgradeDeploy Deploy, UpgradeReboot Reboot);

/// <summary>Where every selected host of an upgrade stands, in selection order. Immutable.</summary>
public sealed record UpgradeReport(ImmutableArray<UpgradeHostReport> Hosts);

/// <summary>
/// How an upgrade ended: its exit code, why it did nothing when refused, its report (null when
/// refused), every run it made, and why the orchestrator's own host could not be asked to reboot
/// (null when it was not to, or was asked). Immutable.
/// </summary>
public sealed record UpgradeOutcome(int ExitCode, OperationRefusal? Refusal, UpgradeReport? Report, ImmutableArray<RunSummary> Runs)
{
    public (string Host, string Reason)? LocalRebootRefused { get; init; }

    public static UpgradeOutcome Refused(OperationRefusal refusal)
    {
        ArgumentNullException.ThrowIfNull(refusal);
        return new(refusal.ExitCode, refusal, null, []);
    }
}
