using System.Collections.Immutable;
using System.Text.Json.Serialization;

namespace Flotilla.Contracts;

/// <summary>A message the server sends to an agent (a JSON text frame with a <c>type</c>).</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(RegisteredMessage), "registered")]
[JsonDerivedType(typeof(RunCommandMessage), "run")]
[JsonDerivedType(typeof(KillCommandMessage), "kill")]
[JsonDerivedType(typeof(AckMessage), "ack")]
public abstract record ServerMessage;

/// <summary>The answer to <see cref="RegisterMessage"/>: the host name the server knows the agent by.</summary>
/// <param name="Token">
/// Only when the agent enrolled with the shared enrolment token: the host's own token, made for it
/// now. The agent keeps it and connects with it from then on (the shared token cannot take over a
/// host that has a token of its own).
/// </param>
public sealed record RegisteredMessage(int Protocol, string Host, string? Token = null) : ServerMessage;

/// <summary>
/// Run a command: an <paramref name="Op"/> the agent maps to a fixed argument list (see
/// <see cref="Ops"/>), or <see cref="Ops.Exec"/> with <paramref name="Argv"/>.
/// </summary>
public sealed record RunCommandMessage(string CommandId, string Op, ImmutableArray<string> Argv, double TimeoutSeconds) : ServerMessage
{
    /// <summary>
    /// What the command reads on its standard input (an <see cref="Ops.Exec"/> of the engine's:
    /// keys it uploads), then end of input; null: no input. The server never stores it.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? Input { get; init; }
}

/// <summary>Kill a running command's process group.</summary>
public sealed record KillCommandMessage(string CommandId) : ServerMessage;

/// <summary>Every reliable message up to and including <paramref name="Seq"/> is stored.</summary>
public sealed record AckMessage(long Seq) : ServerMessage;
