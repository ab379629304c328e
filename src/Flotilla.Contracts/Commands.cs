using System.Collections.Immutable;
using System.Text.Json.Serialization;

namespace Flotilla.Contracts;

/// <summary>Where a command is: queued, running, or one of the terminal states.</summary>
/// <remarks>
/// The API, the store and metrics name the states with <see cref="CommandStates.ToName"/>
/// (<c>timed-out</c>); the dashboard's event streams send the member names (<c>TimedOut</c>), which
/// its script turns into the same words.
/// </remarks>
public enum CommandState
{
    Queued,
    Running,
    Succeeded,
    Failed,
    TimedOut,
    Lost,
}

public static class CommandStates
{
    public static ImmutableArray<CommandState> Active { get; } = [CommandState.Queued, CommandState.Running];

    public static bool IsTerminal(this CommandState state) => state is not (CommandState.Queued or CommandState.Running);

    /// <summary>The name in the API, the store and metrics: queued, running, succeeded, failed, timed-out, lost.</summary>
    public static string ToName(this CommandState state) => state switch
    {
        CommandState.Queued => "queued",
        CommandState.Running => "running",
        CommandState.Succeeded => "succeeded",
        CommandState.Failed => "failed",
        CommandState.TimedOut => "timed-out",
        CommandState.Lost => "lost",
        _ => throw new ArgumentOutOfRangeException(nameof(state)),
    };

    public static CommandState Parse(string name) =>
        TryParse(name, out var state) ? state : throw new FormatException($"unknown command state \"{name}\"");

    public static bool TryParse(string name, out CommandState state) => Names.TryParse(name, out state);

    private static readonly EnumNames<CommandState> Names = new(ToName);
}

/// <summary>One command on one host: what the server stores, the dashboard shows and the API returns (as <see cref="CommandView"/>).</summary>
/// <param name="Op">One of <see cref="Ops"/>.</param>
/// <param name="Argv">For <see cref="Ops.Exec"/>: the argument list; empty otherwise.</param>
/// <param name="RequestedBy">Who asked: an account, or <c>token:NAME</c> for an API token.</param>
public sealed record CommandRecord(
    string Id,
    string BatchId,
    string Host,
    string Op,
    ImmutableArray<string> Argv,
    CommandState State,
    int? ExitCode,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    DateTimeOffset ExpiresAt,
    TimeSpan Timeout,
    string? Message,
    string RequestedBy)
{
    /// <summary>The command as people read it: the typed line for a shell command, the op otherwise.</summary>
    public string Description => Ops.Describe(Op, Argv);

    /// <summary>It was given input (held in the server's memory, never stored): after a restart of the server it cannot be sent any more.</summary>
    public bool HasInput { get; init; }
}

/// <summary>
/// One stored line of a command's output, as the store keeps it and the dashboard streams it
/// (its JSON starts with <c>sequence</c>, as dashboard.js and its tests read it; the command id
/// comes last). The API sends <see cref="OutputLineView"/>.
/// </summary>
/// <param name="Sequence">The line's number in its command, from 1, over both streams (the agent's <see cref="OutputMessage.Line"/>).</param>
/// <param name="Time">When the server received it.</param>
public sealed record OutputLine(
    [property: JsonPropertyOrder(1)] string CommandId,
    long Sequence,
    OutputStream Stream,
    string Text,
    DateTimeOffset Time)
{
    /// <summary>Where the line is in the order the server stored lines (over all commands; the store writer numbers them). Not in any JSON.</summary>
    [JsonIgnore]
    public long Seq { get; init; }
}
