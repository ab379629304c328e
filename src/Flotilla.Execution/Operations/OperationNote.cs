using System.Collections.Immutable;

namespace Flotilla.Execution.Operations;

/// <summary>
/// Something an operation says while it goes, typed, for its host to render (the CLI as lines,
/// the server as events): the operation itself writes nothing. Immutable.
/// </summary>
public abstract record OperationNote(string Operation);

/// <summary>A journaled run is about to start (its header): before its preparation (the batch build) and its first step.</summary>
/// <param name="Verb">What the run does, for a person: deploying, rolling back, rebooting.</param>
/// <param name="LogPathOf">Where the journal keeps a host's output (null: the fleet-wide steps').</param>
public sealed record RunStarting(string Operation, string RunId, string Verb, int Hosts, string RunDirectory, Func<string?, string> LogPathOf) : OperationNote(Operation);

/// <summary>A stopped run goes on: <paramref name="Done"/> of its <paramref name="Total"/> steps are not redone.</summary>
public sealed record RunResuming(string Operation, string RunId, int Done, int Total) : OperationNote(Operation);

/// <summary>Another run holds hosts this one needs: it waits up to <paramref name="Wait"/> for them (<c>--lock-wait</c>).</summary>
public sealed record LeaseWaiting(string Operation, TimeSpan Wait, HostLeaseHolder Holder, string Reason) : OperationNote(Operation);

/// <summary>The pre-flight checks ran on the hosts of a maintenance run (passed and failed alike).</summary>
public sealed record PreflightChecked(string Operation, ImmutableArray<PreflightResult> Results) : OperationNote(Operation)
{
    public bool Passed => Results.All(r => r.Passed);
}

/// <summary>Whether a host of a reboot sequence with <c>--only-if-needed</c> needs its reboot.</summary>
/// <param name="Reason">Why it does (the host's reboot reason), or null.</param>
/// <param name="Recreated">It needs the reboot anyway: its new system is the boot default, not yet running (strategy recreate).</param>
public sealed record RebootNeed(string Host, bool Needed, string? Reason, bool Recreated);

/// <summary>Which hosts of a reboot sequence need their reboot (<c>--only-if-needed</c>); none: nothing is rebooted.</summary>
public sealed record RebootNeedsRead(string Operation, ImmutableArray<RebootNeed> Hosts) : OperationNote(Operation);

/// <summary>A reboot sequence ended: where every host of it stands.</summary>
public sealed record RebootSequenceEnded(string Operation, RunSummary Summary) : OperationNote(Operation);

/// <summary><c>deploy --reboot</c>: the deploy ended; these hosts got a new boot system and are rebooted next (none: nothing to reboot).</summary>
public sealed record DeployedHostsRebooting(string Operation, ImmutableArray<string> Hosts) : OperationNote(Operation);

/// <summary><c>upgrade</c>: <c>nix flake update</c> starts on <paramref name="Flake"/>.</summary>
public sealed record FlakeUpdating(string Operation, string Flake, bool Commit) : OperationNote(Operation);

/// <summary>A line of <c>nix flake update</c>'s output.</summary>
public sealed record FlakeUpdateOutput(string Operation, string Line) : OperationNote(Operation);

/// <summary>What the update did to the flake's lock file.</summary>
public enum FlakeLockChange
{
    /// <summary>The flake has no inputs (no lock file).</summary>
    NoInputs,
    Unchanged,
    Updated,
}

/// <summary><c>nix flake update</c> succeeded.</summary>
public sealed record FlakeUpdated(string Operation, FlakeLockChange Change, bool Committed) : OperationNote(Operation);

/// <summary><c>upgrade</c>: the host the orchestrator runs on is deployed now, last.</summary>
public sealed record LocalHostDeploying(string Operation, string Host) : OperationNote(Operation);

/// <summary><c>upgrade</c>: the report, said before the orchestrator's own host is asked to reboot (it may not come back to say it).</summary>
public sealed record UpgradeReported(string Operation, UpgradeReport Report) : OperationNote(Operation);

/// <summary>A run inside a longer operation (one of <c>upgrade</c>'s deploys, its reboot sequence) did nothing, for this reason; the operation goes on.</summary>
public sealed record RunRefused(string Operation, OperationRefusal Refusal) : OperationNote(Operation);
