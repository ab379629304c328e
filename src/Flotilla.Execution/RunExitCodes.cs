namespace Flotilla.Execution;

/// <summary>The exit codes of a run (the same numbers as every <c>flotilla</c> command).</summary>
public static class RunExitCodes
{
    public const int Success = 0;
    /// <summary>Some step failed (its host rolled back) or did not run.</summary>
    public const int Failed = 1;
    /// <summary>The input (inventory, selection, arguments) is invalid; nothing was done.</summary>
    public const int InvalidInput = 2;
    /// <summary>A rollback failed and a host needs attention.</summary>
    public const int NeedsAttention = 3;
    /// <summary>Another run holds a lease on hosts this run needs (<see cref="HostsBusyException"/>); nothing was done.</summary>
    public const int Busy = 4;

    public static RunStatus ToStatus(int exitCode) => exitCode switch
    {
        Success => RunStatus.Succeeded,
        NeedsAttention => RunStatus.NeedsAttention,
        _ => RunStatus.Failed,
    };
}
