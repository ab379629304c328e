using System.Collections.Immutable;
using Flotilla.ControlPlane.Auth;
using Flotilla.Contracts;

namespace Flotilla.ControlPlane.Store;

/// <summary>A host the server knows: enrolled with a token, or by the shared enrolment token.</summary>
public sealed record HostRecord(
    string Name,
    bool HasToken,
    DateTimeOffset CreatedAt,
    DateTimeOffset? LastSeen,
    HostFacts? Facts,
    HostMetrics? Metrics);

/// <summary>An unrevoked API token: its name (commands and the audit log say <c>token:NAME</c>) and what it may do.</summary>
public sealed record ApiTokenRecord(string Name, ApiTokenScope Scope);

/// <summary>Which commands to list; null fields do not filter.</summary>
public sealed record CommandQuery(string? BatchId = null, string? Host = null, CommandState? State = null, int Limit = 1000);

/// <summary>
/// A change of a command's state, applied only when the command is in one of
/// <paramref name="From"/> (one or two states; so a late report never undoes a terminal state).
/// </summary>
public sealed record CommandTransition(
    string CommandId,
    ImmutableArray<CommandState> From,
    CommandState To,
    DateTimeOffset At,
    int? ExitCode = null,
    string? Message = null);

/// <summary>A host's last heartbeat (and its figures), written in batches.</summary>
public sealed record HostSeen(string Host, DateTimeOffset At, HostMetrics? Metrics);

/// <summary>What the server writes in one transaction: the hot path's unit of work.</summary>
public sealed record StoreBatch(
    IReadOnlyList<OutputLine> Output,
    IReadOnlyList<CommandTransition> Transitions,
    IReadOnlyList<HostSeen> Seen,
    IReadOnlyList<(string Host, HostFacts Facts)> Facts);

/// <summary>
/// What a <see cref="StoreBatch"/> changed: the output lines it stored (not those already stored:
/// an agent that reconnects sends again the lines it had no acknowledgement for) and the
/// transitions that took effect.
/// </summary>
public sealed record StoreApplied(IReadOnlyList<OutputLine> Output, IReadOnlyList<CommandTransition> Transitions);

/// <summary>A run's journal as the database keeps it: its files (<c>plan.json</c>, <c>run.json</c>, <c>events.jsonl</c>, <c>result.json</c>) and what lists it. Immutable.</summary>
public sealed record StoredRunJournal(string Id, string Operation, DateTimeOffset Started, bool Finished, IReadOnlyDictionary<string, string> Files, DateTimeOffset Saved);

/// <summary>A kept run journal without its files. Immutable.</summary>
public sealed record StoredRunSummary(string Id, string Operation, DateTimeOffset Started, bool Finished, DateTimeOffset Saved);
