using Flotilla.Contracts;
using Flotilla.ControlPlane.Store;

namespace Flotilla.ControlPlane.Events;

/// <summary>Something that happened in the control plane, pushed to in-process subscribers (the API's live streams, the dashboard).</summary>
public abstract record ControlPlaneEvent(DateTimeOffset At);

/// <summary>A host's agent registered (online) or its connection ended or missed heartbeats (offline).</summary>
public sealed record HostStatusChanged(DateTimeOffset At, string Host, bool Online) : ControlPlaneEvent(At);

/// <summary>A command was created or changed state (stored before this is published).</summary>
public sealed record CommandChanged(DateTimeOffset At, string CommandId, string BatchId, string Host, CommandState State, int? ExitCode, string? Message) : ControlPlaneEvent(At);

/// <summary>A command printed a line (stored before this is published).</summary>
public sealed record CommandOutput(DateTimeOffset At, string Host, OutputLine Line) : ControlPlaneEvent(At);

/// <summary>What the fleet should be changed (the inventory was evaluated again, or a run verified hosts): every host's drift may differ.</summary>
public sealed record FleetTargetChanged(DateTimeOffset At) : ControlPlaneEvent(At);
