using System.Collections.Immutable;

namespace Flotilla.Dashboard;

/// <summary>What a person asks hosts to do: one of the operations, or an arbitrary command.</summary>
/// <param name="Operation">One of <see cref="Ops"/>.</param>
/// <param name="Argv">For <see cref="Ops.Exec"/>: the argument list (from the dashboard's command box: <c>/bin/sh -c LINE</c>); empty otherwise.</param>
/// <param name="RequestedBy">The account that asked (for the audit log and the command's record).</param>
public sealed record CommandRequest(ImmutableArray<string> Hosts, string Operation, ImmutableArray<string> Argv, string RequestedBy)
{
    /// <summary>How long each command may run, in seconds; null: the operation's default. The control plane bounds it.</summary>
    public double? TimeoutSeconds { get; init; }

    /// <summary>How long each command waits for an offline host, in seconds; null: the server's queue expiry.</summary>
    public double? ExpiresInSeconds { get; init; }
}
