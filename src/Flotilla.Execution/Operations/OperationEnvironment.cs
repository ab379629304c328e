namespace Flotilla.Execution.Operations;

/// <summary>
/// What every operation runs in: the state directory its journals go to, the store of the leases
/// runs take on hosts, the view that follows it, and the clock it reads. Immutable.
/// </summary>
public sealed record OperationEnvironment(string StateDirectory, IHostLeaseStore Leases, IOperationView View)
{
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Who starts the runs where not from a command line (<c>alice (dashboard)</c>): recorded in each run's journal.</summary>
    public string? StartedBy { get; init; }

    /// <summary>For tests: every run of the operations uses this executor instead of the real one (nix, ssh).</summary>
    internal IStepExecutor? Executor { get; init; }

    /// <summary>Runs started from <paramref name="stateDirectory"/> with their leases in its lease file (the CLI's way).</summary>
    public static OperationEnvironment ForStateDirectory(string stateDirectory, IOperationView view, TimeProvider? timeProvider = null) =>
        new(stateDirectory, new FileHostLeaseStore(stateDirectory, timeProvider), view) { TimeProvider = timeProvider ?? TimeProvider.System };
}
