using System.Collections.Immutable;
using Flotilla.Diagnostics;
using Flotilla.Maintenance;

namespace Flotilla.Execution.Operations;

/// <summary>Why an operation did nothing (or stopped before a run): typed, for its host to say. Immutable.</summary>
public abstract record OperationRefusal(string Operation)
{
    /// <summary>The exit code that follows (<see cref="RunExitCodes"/>).</summary>
    public abstract int ExitCode { get; }
}

/// <summary>The selection or the plan is invalid; each diagnostic names the file, the path and what to do.</summary>
public sealed record InputInvalid(string Operation, ImmutableArray<Diagnostic> Diagnostics) : OperationRefusal(Operation)
{
    public override int ExitCode => RunExitCodes.InvalidInput;
}

/// <summary>The inventory could not be used (its host's loader said why).</summary>
public sealed record InventoryUnusable(string Operation) : OperationRefusal(Operation)
{
    public override int ExitCode => RunExitCodes.InvalidInput;
}

/// <summary>Another run holds hosts this one needs (and they did not come free within the wait).</summary>
/// <param name="Reason">The holder's name, operation and start, as <see cref="HostsBusyException"/> says it.</param>
public sealed record HostsBusy(string Operation, HostLeaseHolder Holder, ImmutableArray<string> InCommon, string Reason) : OperationRefusal(Operation)
{
    public override int ExitCode => RunExitCodes.Busy;
}

/// <summary>A maintenance run was started outside its window.</summary>
public sealed record OutsideWindow(string Operation, MaintenanceWindow Window, DateTimeOffset OpensAt) : OperationRefusal(Operation)
{
    public override int ExitCode => RunExitCodes.Failed;
}

/// <summary>Hosts failed the pre-flight checks (said in <see cref="PreflightChecked"/>); nothing was done.</summary>
public sealed record PreflightFailed(string Operation, ImmutableArray<PreflightResult> Failed) : OperationRefusal(Operation)
{
    public override int ExitCode => RunExitCodes.Failed;
}

/// <summary><c>--only-if-needed</c>: whether these hosts need a reboot cannot be read.</summary>
public sealed record RebootNeedUnreadable(string Operation, ImmutableArray<HostStatus> Hosts) : OperationRefusal(Operation)
{
    public override int ExitCode => RunExitCodes.Failed;
}

/// <summary><c>upgrade</c>: the inventory is not a flake (no flake.nix at <paramref name="Path"/>).</summary>
public sealed record NotAFlake(string Operation, string Path) : OperationRefusal(Operation)
{
    public override int ExitCode => RunExitCodes.InvalidInput;
}

/// <summary><c>upgrade</c>: <c>nix flake update</c> failed; nothing was deployed.</summary>
public sealed record FlakeUpdateFailed(string Operation, int NixExitCode, string Error) : OperationRefusal(Operation)
{
    public override int ExitCode => RunExitCodes.Failed;
}

/// <summary><c>upgrade --local-host</c> names no host of the inventory.</summary>
public sealed record UnknownLocalHost(string Operation, string Name) : OperationRefusal(Operation)
{
    public override int ExitCode => RunExitCodes.InvalidInput;
}

/// <summary>A resume was asked of a run that another operation journaled (a rollback's run given to <c>deploy --resume</c>).</summary>
public sealed record NotResumable(string Operation, string RunId, string RecordedOperation) : OperationRefusal(Operation)
{
    public override int ExitCode => RunExitCodes.InvalidInput;
}

/// <summary>The store of leases (a server's, with <c>--server</c>) could not be asked; nothing was done.</summary>
public sealed record LeasesUnavailable(string Operation, string Location, string Reason) : OperationRefusal(Operation)
{
    public override int ExitCode => RunExitCodes.Failed;
}
