using System.Collections.Immutable;
using System.Text.Json.Serialization;

namespace Flotilla.Contracts;

/// <summary>
/// A message an agent sends to the server over <c>/ws</c>: one JSON text frame each, with a
/// <c>type</c> discriminator. Messages with a <c>seq</c> are reliable: the agent keeps them until
/// the server acknowledges that sequence number (it acknowledges only what it has stored) and
/// sends them again after a reconnect. docs/control-plane.md describes the protocol.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(RegisterMessage), "register")]
[JsonDerivedType(typeof(HeartbeatMessage), "heartbeat")]
[JsonDerivedType(typeof(FactsMessage), "facts")]
[JsonDerivedType(typeof(CommandStartedMessage), "started")]
[JsonDerivedType(typeof(OutputMessage), "output")]
[JsonDerivedType(typeof(CommandCompletedMessage), "completed")]
public abstract record AgentMessage;

/// <summary>A reliable agent message: kept and resent by the agent until acknowledged.</summary>
public abstract record ReliableAgentMessage : AgentMessage
{
    /// <summary>The agent's sequence number, increasing over the agent process's lifetime.</summary>
    public required long Seq { get; init; }
}

/// <summary>The first message of every connection.</summary>
/// <param name="Protocol">The protocol version the agent speaks (<see cref="ProtocolVersion.Current"/>).</param>
/// <param name="Facts">What the agent knows about its host.</param>
/// <param name="HeartbeatIntervalSeconds">How often the agent sends heartbeats; the server marks the host offline after three missed ones.</param>
/// <param name="Commands">Commands the agent still runs, or finished and has not had acknowledged: every other command the server thinks runs on this host is lost.</param>
public sealed record RegisterMessage(
    int Protocol,
    HostFacts Facts,
    double HeartbeatIntervalSeconds,
    ImmutableArray<string> Commands) : AgentMessage;

/// <summary>Sent every interval: the host is alive, and how loaded it is.</summary>
public sealed record HeartbeatMessage(HostMetrics Metrics) : AgentMessage
{
    /// <summary>The host's containers (podman's), when it has podman; null when it has none, so older servers read the same JSON.</summary>
    public IReadOnlyList<ContainerState>? Containers { get; init; }

    /// <summary>The host's watched file systems (the agent's <c>--storage</c> paths, or every real mount); null from older agents.</summary>
    public IReadOnlyList<StorageUsage>? Storage { get; init; }

    /// <summary>The host's scheduled backups, as their timers last wrote them (the agent's <c>--backup-results</c>); null: none, or an older agent.</summary>
    public IReadOnlyList<BackupReport>? Backups { get; init; }
}

/// <summary>
/// One container of a host as podman sees it at a heartbeat: <see cref="State"/> is podman's
/// (<c>running</c>, <c>exited</c>, <c>created</c>, <c>paused</c>...), <see cref="Status"/> its line
/// for people (<c>Up 5 minutes</c>, <c>Exited (137) 2 seconds ago</c>). Immutable.
/// </summary>
public sealed record ContainerState(string Name, string Image, string State, string? Status = null, int? ExitCode = null);

/// <summary>The host's facts changed (after a switch, for example).</summary>
public sealed record FactsMessage(HostFacts Facts) : AgentMessage;

/// <summary>The agent started the command's process.</summary>
public sealed record CommandStartedMessage(string CommandId) : ReliableAgentMessage;

/// <summary>One line a command printed; <paramref name="Line"/> counts from 1 per command, over both streams.</summary>
public sealed record OutputMessage(string CommandId, long Line, OutputStream Stream, string Text) : ReliableAgentMessage;

/// <summary>The command ended: how, how long it ran, its exit code (null when it never started) and why.</summary>
public sealed record CommandCompletedMessage(
    string CommandId,
    CommandOutcome Outcome,
    long DurationMilliseconds,
    int? ExitCode = null,
    string? Message = null) : ReliableAgentMessage;

/// <summary>Which stream a line came from.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<OutputStream>))]
public enum OutputStream
{
    [JsonStringEnumMemberName("stdout")] Stdout,
    [JsonStringEnumMemberName("stderr")] Stderr,
}

/// <summary>How a command's process ended, as the agent saw it.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<CommandOutcome>))]
public enum CommandOutcome
{
    /// <summary>The process exited by itself; its exit code tells success.</summary>
    [JsonStringEnumMemberName("exited")] Exited,
    /// <summary>Killed on request.</summary>
    [JsonStringEnumMemberName("killed")] Killed,
    /// <summary>Killed because it ran past its timeout.</summary>
    [JsonStringEnumMemberName("timed-out")] TimedOut,
    /// <summary>The process could not be started (unknown op, program not found, no repository).</summary>
    [JsonStringEnumMemberName("failed-to-start")] FailedToStart,
}
