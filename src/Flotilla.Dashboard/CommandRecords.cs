using System.Collections.Immutable;

namespace Flotilla.Dashboard;

/// <summary>What a person asks hosts to do: one of the operations, or an arbitrary command line.</summary>
/// <param name="Operation">One of <see cref="CommandOperations"/>.</param>
/// <param name="CommandLine">For <see cref="CommandOperations.Run"/>: what to run.</param>
/// <param name="RequestedBy">The account that asked (for the audit log and the command's record).</param>
public sealed record CommandRequest(ImmutableArray<string> Hosts, string Operation, string? CommandLine, string RequestedBy);

/// <summary>The operations NixFleet offers, and an arbitrary command.</summary>
public static class CommandOperations
{
    public const string Pull = "pull";
    public const string Switch = "switch";
    public const string Test = "test";
    public const string Rollback = "rollback";
    public const string Reboot = "reboot";
    public const string RestartAgent = "restart-agent";
    public const string Run = "run";

    public static ImmutableArray<string> All { get; } = [Pull, Switch, Test, Rollback, Reboot, RestartAgent, Run];

    /// <summary>Operations that need a fresh TOTP code (or the password, with no TOTP configured).</summary>
    public static bool IsDangerous(string operation) => operation is Rollback or Reboot or Run;
}

public enum CommandState
{
    Queued,
    Running,
    Succeeded,
    Failed,
    TimedOut,
    Lost,
}

public sealed record CommandRecord(
    string Id,
    string Host,
    string Operation,
    string? CommandLine,
    CommandState State,
    string RequestedBy,
    DateTimeOffset Created,
    DateTimeOffset? Finished,
    int? ExitCode);

public enum OutputStream
{
    Stdout,
    Stderr,
}

/// <summary>One line of a command's output; <paramref name="Sequence"/> increases by one per line of the command, from 1.</summary>
public sealed record OutputLine(long Sequence, DateTimeOffset Time, OutputStream Stream, string Text);
