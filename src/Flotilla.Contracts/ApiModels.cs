using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Flotilla.Contracts;

/// <summary>A host in <c>GET /api/hosts</c>: <c>status</c> is <c>online</c> or <c>offline</c>.</summary>
public sealed record HostView(string Name, string Status, DateTimeOffset? LastSeen, HostFacts? Facts, HostMetrics? Metrics)
{
    /// <summary>The host's containers at its agent's last heartbeat (null: it reports none).</summary>
    public IReadOnlyList<ContainerState>? Containers { get; init; }

    /// <summary>The file systems its agent watches, at its last heartbeat (null: it reports none).</summary>
    public IReadOnlyList<StorageUsage>? Storage { get; init; }

    /// <summary>Those past a threshold: <c>warning</c> or <c>critical</c>, and why.</summary>
    public IReadOnlyList<StorageAlert>? StorageAlerts { get; init; }

    /// <summary>Its scheduled backups at its agent's last heartbeat (null: it reports none): last run, last good backup and its age.</summary>
    public IReadOnlyList<BackupView>? Backups { get; init; }
}

/// <summary>A watched file system past its warning or critical threshold (<see cref="StorageUsage.Reason"/>).</summary>
public sealed record StorageAlert(string Path, string Severity, string Reason)
{
    public static IReadOnlyList<StorageAlert>? Of(IReadOnlyList<StorageUsage>? storage) =>
        storage is null ? null : [.. storage.Where(s => s.Severity != StorageSeverity.Ok).Select(s => new StorageAlert(s.Path, s.Severity == StorageSeverity.Critical ? "critical" : "warning", s.Reason!))];
}

/// <summary>
/// <c>POST /api/commands</c>: <c>on</c> is a selector in the one grammar (<see cref="HostSelector"/>:
/// names, <c>@tag</c>, globs, <c>all</c>; comma separated).
/// <c>secondFactor</c> is for a dashboard session sending a dangerous op (reboot, rollback, exec):
/// a fresh TOTP code (the password without TOTP); API tokens do not use it.
/// </summary>
public sealed record CreateCommandsRequest(
    string On,
    string Op = Ops.Exec,
    IReadOnlyList<string>? Argv = null,
    double? TimeoutSeconds = null,
    double? ExpiresInSeconds = null,
    string? SecondFactor = null)
{
    /// <summary>
    /// For <see cref="Ops.Exec"/>: what the command reads on its standard input (the engine's key
    /// uploads through agents). Kept in the server's memory only, never stored or logged: a command
    /// with input that the server restarted before its agent took it fails instead of running without it.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? Input { get; init; }
}

public sealed record CommandView(
    string Id,
    string BatchId,
    string Host,
    string Op,
    ImmutableArray<string> Argv,
    string State,
    int? ExitCode,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    DateTimeOffset ExpiresAt,
    double TimeoutSeconds,
    string? Message,
    string RequestedBy)
{
    public static CommandView From(CommandRecord c) => new(
        c.Id, c.BatchId, c.Host, c.Op, c.Argv, c.State.ToName(), c.ExitCode, c.CreatedAt, c.StartedAt, c.FinishedAt, c.ExpiresAt, c.Timeout.TotalSeconds, c.Message, c.RequestedBy);
}

/// <summary>The answer to <c>POST /api/commands</c>: one command per selected host, under one batch id.</summary>
public sealed record CreateCommandsResponse(string BatchId, ImmutableArray<CommandView> Commands)
{
    /// <summary>The answer for one batch's commands (at least one).</summary>
    public static CreateCommandsResponse From(IReadOnlyList<CommandRecord> batch) => new(batch[0].BatchId, [.. batch.Select(CommandView.From)]);
}

public sealed record OutputLineView(string CommandId, string Host, long Line, string Stream, string Text, DateTimeOffset At);

/// <summary>The SSE <c>state</c> event's data.</summary>
public sealed record CommandStateView(string CommandId, string Host, string State, int? ExitCode, string? Message);

public sealed record ErrorView(string Error);

/// <summary>One run the server keeps (<c>GET /api/runs</c>): its id, operation, times, status (unfinished, succeeded, failed, needs-attention) and step counts.</summary>
public sealed record RunListingView(
    string Id,
    string Operation,
    DateTimeOffset Started,
    DateTimeOffset? Finished,
    string Status,
    int Pending,
    int Running,
    int Succeeded,
    int Failed,
    int Skipped,
    int RolledBack,
    int NeedsAttention)
{
    /// <summary>Who started it where not from a command line: <c>alice (dashboard)</c>, <c>token:ci (api)</c>; left out when null.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? StartedBy { get; init; }
}

/// <summary>A run's journal pushed to the server (<c>PUT /api/runs/ID</c>): its files by name (plan.json, run.json, events.jsonl, result.json).</summary>
public sealed record RunUploadRequest(IReadOnlyDictionary<string, string> Files);

/// <summary>
/// <c>POST /api/runs</c>: a run for the server to host, of the inventory it was given
/// (<c>serve -f</c>): <c>{"operation": "deploy", "on": ["@web"], "services": [], "withDependents": false}</c>;
/// operation is deploy, rollback or reboot; no hosts named: every host.
/// </summary>
public sealed record RunStartRequest(string Operation, IReadOnlyList<string>? On = null, IReadOnlyList<string>? Services = null, bool WithDependents = false);

/// <summary>
/// <c>/api/leases</c>: a run's lease on hosts, as the engine writes it in <c>fleet.lock</c>
/// (<c>{holder, operation, runId, hosts, wholeFleet, acquired, expires, token, process}</c>); the
/// engine owns its form, the API carries it.
/// </summary>
public sealed record LeaseMessage(System.Text.Json.JsonElement Lease);

/// <summary>The answer to taking a lease: null when it was taken, else the lease in the way.</summary>
public sealed record LeaseTakeAnswer(System.Text.Json.JsonElement? Holder);

/// <summary>The answer to renewing a lease: false when it is no longer held (it expired and was dropped).</summary>
public sealed record LeaseUpdateAnswer(bool Updated);

/// <summary>The run the server started: its id (<c>GET /api/runs</c>, the dashboard's <c>/runs/ID</c>).</summary>
public sealed record RunStartedView(string RunId);

/// <summary>Source-generated JSON for the HTTP API (camelCase, derived read-only properties left out); the CLI's <c>remote</c> client uses it too.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, IgnoreReadOnlyProperties = true)]
[JsonSerializable(typeof(HostView))]
[JsonSerializable(typeof(IReadOnlyList<HostView>))]
[JsonSerializable(typeof(CreateCommandsRequest))]
[JsonSerializable(typeof(CreateCommandsResponse))]
[JsonSerializable(typeof(CommandView))]
[JsonSerializable(typeof(IReadOnlyList<CommandView>))]
[JsonSerializable(typeof(OutputLineView))]
[JsonSerializable(typeof(IReadOnlyList<OutputLineView>))]
[JsonSerializable(typeof(CommandStateView))]
[JsonSerializable(typeof(ErrorView))]
[JsonSerializable(typeof(IReadOnlyList<RunListingView>))]
[JsonSerializable(typeof(RunUploadRequest))]
[JsonSerializable(typeof(RunStartRequest))]
[JsonSerializable(typeof(RunStartedView))]
[JsonSerializable(typeof(LeaseMessage))]
[JsonSerializable(typeof(LeaseTakeAnswer))]
[JsonSerializable(typeof(LeaseUpdateAnswer))]
[JsonSerializable(typeof(IReadOnlyList<System.Text.Json.JsonElement>))]
public sealed partial class ApiJsonContext : JsonSerializerContext;
