using System.Collections.Immutable;

namespace Flotilla.Dashboard;

/// <summary>What a person asks hosts to do: one of the operations, or an arbitrary command.</summary>
/// <param name="Operation">One of <see cref="CommandOperations"/> (the protocol's op names).</param>
/// <param name="Argv">For <see cref="CommandOperations.Exec"/>: the argument list (from the dashboard's command box: <c>/bin/sh -c LINE</c>); empty otherwise.</param>
/// <param name="RequestedBy">The account that asked (for the audit log and the command's record).</param>
public sealed record CommandRequest(ImmutableArray<string> Hosts, string Operation, ImmutableArray<string> Argv, string RequestedBy)
{
    /// <summary>How long each command may run, in seconds; null: the operation's default. The control plane bounds it.</summary>
    public double? TimeoutSeconds { get; init; }

    /// <summary>How long each command waits for an offline host, in seconds; null: the server's queue expiry.</summary>
    public double? ExpiresInSeconds { get; init; }
}

/// <summary>The operations NixFleet offers, and an arbitrary command; the names are the agent protocol's ops.</summary>
public static class CommandOperations
{
    public const string Pull = "pull";
    public const string Switch = "switch";
    public const string Test = "test";
    public const string Rollback = "rollback";
    public const string Reboot = "reboot";
    public const string RestartAgent = "restart-agent";
    /// <summary>An arbitrary argument list (the server runs it only when it allows arbitrary commands).</summary>
    public const string Exec = "exec";

    public static ImmutableArray<string> All { get; } = [Pull, Switch, Test, Rollback, Reboot, RestartAgent, Exec];

    /// <summary>Operations that need a fresh TOTP code (or the password, with no TOTP configured).</summary>
    public static bool IsDangerous(string operation) => operation is Rollback or Reboot or Exec;

    /// <summary>The argument list for a command line typed into the dashboard: run by the host's shell, as the person meant it.</summary>
    public static ImmutableArray<string> ShellArgv(string commandLine) => ["/bin/sh", "-c", commandLine];

    /// <summary>How a command reads on the pages: the typed line for a shell command, the op otherwise.</summary>
    public static string Describe(string operation, ImmutableArray<string> argv) => argv switch
    {
        { IsDefaultOrEmpty: true } => operation,
        [ "/bin/sh", "-c", var line ] => line,
        _ => string.Join(' ', argv),
    };
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
    ImmutableArray<string> Argv,
    CommandState State,
    string RequestedBy,
    DateTimeOffset Created,
    DateTimeOffset? Finished,
    int? ExitCode,
    string? Message = null)
{
    /// <summary>The command as the pages show it.</summary>
    public string Description => CommandOperations.Describe(Operation, Argv);
}

public enum OutputStream
{
    Stdout,
    Stderr,
}

/// <summary>One line of a command's output; <paramref name="Sequence"/> increases by one per line of the command, from 1.</summary>
public sealed record OutputLine(long Sequence, DateTimeOffset Time, OutputStream Stream, string Text);
