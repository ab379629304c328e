using Flotilla.Execution;

namespace Flotilla.Cli;

/// <summary>The exit codes every command uses (README, "Exit codes").</summary>
internal static class ExitCodes
{
    public const int Success = 0;
    /// <summary>Some host failed (and was rolled back); <c>validate</c>: the inventory has problems.</summary>
    public const int Failed = 1;
    /// <summary>The input (inventory, selection, arguments) is invalid; nothing was done.</summary>
    public const int InvalidInput = 2;
    /// <summary>A rollback failed and a host needs attention.</summary>
    public const int NeedsAttention = 3;
    /// <summary>Another run holds the hosts (or the fleet) this run needs; nothing was done (the message names it).</summary>
    public const int Busy = RunExitCodes.Busy;
}
