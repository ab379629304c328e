using System.Collections.Immutable;
using System.Net.WebSockets;
using System.Text;
using Flotilla.ControlPlane.Events;
using Flotilla.ControlPlane.Store;
using Flotilla.Contracts;
using Microsoft.Extensions.Logging;

namespace Flotilla.ControlPlane.Internal;

/// <summary>
/// What agents' messages do: presence, heartbeats, command progress. The hot path stays in
/// memory; durable effects go through the <see cref="StoreWriter"/>. Thread safe.
/// </summary>
internal sealed partial class AgentHub(
    IControlPlaneStore store,
    FleetState fleet,
    StoreWriter writer,
    ControlPlaneEvents events,
    ControlPlaneMetrics metrics,
    ControlPlaneOptions options,
    ILogger<AgentHub> logger)
{
    /// <summary>Heartbeats are kept in memory; the store gets a host's last one at most this often.</summary>
    private static readonly TimeSpan PersistSeenEvery = TimeSpan.FromSeconds(15);

    public ControlPlaneOptions Options => options;

    public ControlPlaneMetrics Metrics => metrics;

    public ILogger Logger => logger;

    public StoreWriter Writer => writer;

    private DateTimeOffset Now => options.TimeProvider.GetUtcNow();

    /// <summary>
    /// Registers a connection as its host. One that came with the shared enrolment token creates
    /// its host with a token of its own, sent back in <c>registered</c>; it never takes over a host
    /// that exists (null then: the connection is refused).
    /// </summary>
    public async Task<HostPresence?> RegisterAsync(AgentSession session, RegisterMessage register, bool enrolled, CancellationToken cancellationToken)
    {
        string? issued = null;
        if (enrolled)
        {
            issued = Tokens.NewHostToken();
            var hash = Tokens.Hash(issued);
            if (!await store.SetHostTokenAsync(session.Host, hash, Now, replace: false, cancellationToken).ConfigureAwait(false))
            {
                LogTakeOverRefused(logger, session.Host);
                return null;
            }

            session.Enrolled(hash);
            LogEnrolled(logger, session.Host);
        }

        var presence = fleet.Host(session.Host);
        AgentSession? replaced;
        var now = Now;
        lock (presence.Gate)
        {
            replaced = presence.Session;
            presence.Session = session;
            presence.Online = true;
            presence.LastSeen = now;
            presence.LastPersisted = now;
            presence.DisconnectedAt = null;
            presence.Facts = register.Facts;
            presence.Interval = TimeSpan.FromSeconds(Math.Clamp(register.HeartbeatIntervalSeconds, 0.05, 3600));
        }

        replaced?.Abort("replaced by a newer connection of the same host");
        writer.Enqueue(new WriteItem { Facts = (session.Host, register.Facts), Seen = new HostSeen(session.Host, now, null) });
        session.Send(new RegisteredMessage(ProtocolVersion.Current, session.Host, issued));
        LogRegistered(logger, session.Host, register.Facts.AgentVersion);
        events.Publish(new HostStatusChanged(now, session.Host, Online: true));

        // What the agent does not know about is lost; what waits for it is delivered now.
        var known = register.Commands.IsDefault ? [] : register.Commands.ToHashSet(StringComparer.Ordinal);
        foreach (var command in fleet.CommandsOf(session.Host).OrderBy(c => c.Id, StringComparer.Ordinal))
        {
            if (command.State == CommandState.Running && !known.Contains(command.Id))
            {
                writer.Enqueue(new WriteItem
                {
                    Transition = new CommandTransition(command.Id, [CommandState.Running], CommandState.Lost, now, Message: "the agent restarted while the command ran"),
                });
            }
            else if (command.State == CommandState.Queued && command.ExpiresAt > now)
            {
                session.Send(command.ToMessage());
            }
        }

        return presence;
    }

    /// <param name="bytes">The message's size: a write it makes takes that much of the session's receive window until it is stored.</param>
    public void Handle(AgentSession session, HostPresence presence, AgentMessage message, int bytes = 0)
    {
        var now = Now;
        void Enqueue(WriteItem item)
        {
            session.Charge(bytes);
            writer.Enqueue(item with { From = session, Bytes = bytes });
        }

        switch (message)
        {
            case HeartbeatMessage heartbeat:
                var received = Options.TimeProvider.GetTimestamp();
                var persist = false;
                lock (presence.Gate)
                {
                    presence.LastSeen = now;
                    presence.Metrics = heartbeat.Metrics;
                    presence.Containers = heartbeat.Containers;
                    presence.Storage = heartbeat.Storage;
                    presence.Backups = heartbeat.Backups;
                    if (!presence.Online && presence.Session == session)
                    {
                        presence.Online = true;
                        events.Publish(new HostStatusChanged(now, presence.Name, Online: true));
                    }

                    if (presence.LastPersisted is not { } last || now - last >= PersistSeenEvery)
                    {
                        presence.LastPersisted = now;
                        persist = true;
                    }
                }

                if (persist)
                {
                    writer.Enqueue(new WriteItem { Seen = new HostSeen(presence.Name, now, heartbeat.Metrics) });
                }

                metrics.HeartbeatHandled(Options.TimeProvider.GetElapsedTime(received));
                break;
            case FactsMessage facts:
                presence.Facts = facts.Facts;
                Enqueue(new WriteItem { Facts = (presence.Name, facts.Facts) });
                break;
            case CommandStartedMessage started:
                Enqueue(new WriteItem
                {
                    Transition = Owned(session, started.CommandId, out _) ? new CommandTransition(started.CommandId, [CommandState.Queued], CommandState.Running, now) : null,
                    AckTo = session,
                    Seq = started.Seq,
                });
                break;
            case OutputMessage output:
                Enqueue(new WriteItem
                {
                    Output = Owned(session, output.CommandId, out var printing) ? Capped(printing, output, now) : null,
                    OutputHost = session.Host,
                    AckTo = session,
                    Seq = output.Seq,
                });
                break;
            case CommandCompletedMessage completed:
                Enqueue(new WriteItem
                {
                    Transition = Owned(session, completed.CommandId, out var ended) ? Completion(ended, completed, now) : null,
                    AckTo = session,
                    Seq = completed.Seq,
                });
                break;
            default:
                break;
        }
    }

    /// <summary>Only the host a command is for may report on it; anything else is acknowledged and dropped.</summary>
    private bool Owned(AgentSession session, string commandId, out ActiveCommand command) =>
        fleet.Commands.TryGetValue(commandId, out command!) && command.Host == session.Host;

    /// <summary>
    /// The line to store, within the command's output cap: past it, the first line over is
    /// stored as a marker that says so, and the rest only counted (a resent line is decided as
    /// it was the first time).
    /// </summary>
    private OutputLine? Capped(ActiveCommand command, OutputMessage output, DateTimeOffset now)
    {
        var cap = options.MaxCommandOutputBytes;
        lock (command.Gate)
        {
            if (output.Line <= command.LastCountedLine)
            {
                return command.FirstDroppedLine is { } first && output.Line >= first ? null : new OutputLine(output.CommandId, output.Line, output.Stream, output.Text, now);
            }

            command.LastCountedLine = output.Line;
            var bytes = Encoding.UTF8.GetByteCount(output.Text);
            if (command.FirstDroppedLine is null && command.StoredBytes + bytes <= cap)
            {
                command.StoredBytes += bytes;
                return new OutputLine(output.CommandId, output.Line, output.Stream, output.Text, now);
            }

            command.DroppedLines++;
            command.DroppedBytes += bytes;
            metrics.OutputDropped(bytes, first: command.FirstDroppedLine is null);
            if (command.FirstDroppedLine is not null)
            {
                return null;
            }

            command.FirstDroppedLine = output.Line;
            LogTruncated(logger, command.Id, command.Host, cap);
            return new OutputLine(output.CommandId, output.Line, OutputStream.Stderr, $"[flotilla] output truncated: this command printed more than the server keeps ({cap} bytes); further lines are counted, not stored", now);
        }
    }

    private CommandTransition Completion(ActiveCommand command, CommandCompletedMessage completed, DateTimeOffset now)
    {
        var (state, message) = completed.Outcome switch
        {
            CommandOutcome.Exited when completed.ExitCode == 0 => (CommandState.Succeeded, completed.Message),
            CommandOutcome.Exited => (CommandState.Failed, completed.Message ?? $"exit code {completed.ExitCode}"),
            CommandOutcome.Killed => (CommandState.Failed, completed.Message ?? "killed"),
            CommandOutcome.TimedOut => (CommandState.TimedOut, completed.Message ?? "ran past its timeout and was killed"),
            _ => (CommandState.Failed, completed.Message ?? "could not be started"),
        };
        return new CommandTransition(completed.CommandId, CommandStates.Active, state, now, completed.ExitCode, command.WithTruncation(message, options.MaxCommandOutputBytes));
    }

    public void Disconnected(AgentSession session, HostPresence presence)
    {
        var now = Now;
        bool wasOnline;
        lock (presence.Gate)
        {
            if (presence.Session != session)
            {
                return;
            }

            wasOnline = presence.Online;
            presence.Session = null;
            presence.Online = false;
            presence.DisconnectedAt = now;
        }

        LogDisconnected(logger, presence.Name);
        if (wasOnline)
        {
            events.Publish(new HostStatusChanged(now, presence.Name, Online: false));
        }
    }

    /// <summary>Sends a command to its host when the host is connected; otherwise it waits in the queue.</summary>
    public void Dispatch(ActiveCommand command)
    {
        if (fleet.Hosts.TryGetValue(command.Host, out var presence) && presence.Session is { } session)
        {
            session.Send(command.ToMessage());
        }
    }

    public bool SendKill(ActiveCommand command)
    {
        if (fleet.Hosts.TryGetValue(command.Host, out var presence) && presence.Session is { } session)
        {
            session.Send(new KillCommandMessage(command.Id));
            return true;
        }

        return false;
    }

    /// <summary>Closes the connections of hosts whose tokens were revoked (the CLI writes the store directly).</summary>
    public async Task CloseRevokedAsync(CancellationToken cancellationToken)
    {
        var sessions = fleet.Hosts.Values.Select(h => h.Session).OfType<AgentSession>().Where(s => s.TokenHash is not null).ToList();
        if (sessions.Count == 0)
        {
            return;
        }

        var hashes = await store.HostTokenHashesAsync(cancellationToken).ConfigureAwait(false);
        foreach (var session in sessions)
        {
            if (!hashes.TryGetValue(session.Host, out var current) || current != session.TokenHash)
            {
                session.Abort("the host's token was revoked");
            }
        }
    }

    /// <summary>Marks hosts that missed their heartbeats offline and closes their connections.</summary>
    public void SweepPresence()
    {
        var now = Now;
        foreach (var presence in fleet.Hosts.Values)
        {
            AgentSession? stale = null;
            lock (presence.Gate)
            {
                // A connection the server holds back (its store or its rate) cannot send heartbeats
                // through: the silence is the server's doing. Any message shows the agent is there.
                var limit = presence.Interval * options.MissedHeartbeats;
                if (presence.Online && presence.LastSeen is { } seen && now - seen > limit
                    && presence.Session is not { HeldBack: true } && (presence.Session is not { } session || now - session.LastMessageAt > limit))
                {
                    presence.Online = false;
                    stale = presence.Session;
                }
            }

            if (stale is not null)
            {
                events.Publish(new HostStatusChanged(now, presence.Name, Online: false));
                stale.Abort($"no heartbeat for {options.MissedHeartbeats} intervals", WebSocketCloseStatus.PolicyViolation);
            }
        }
    }

    /// <summary>
    /// Queued commands that expired, running ones past their timeout or whose agent went away. A
    /// command that cannot be judged (a bad stored row) is logged once and skipped: it never stops
    /// the sweep for the others.
    /// </summary>
    public ImmutableArray<CommandTransition> OverdueCommands()
    {
        var now = Now;
        var overdue = ImmutableArray.CreateBuilder<CommandTransition>();
        foreach (var command in fleet.Commands.Values)
        {
            try
            {
                if (Overdue(command, now) is { } transition)
                {
                    overdue.Add(transition);
                }
            }
            catch (Exception e) when (e is ArithmeticException or ArgumentException)
            {
                if (_badCommands.TryAdd(command.Id, 0))
                {
                    LogBadCommand(logger, command.Id, command.Host, e);
                }
            }
        }

        return overdue.ToImmutable();
    }

    [LoggerMessage(EventId = 206, Level = LogLevel.Warning, Message = "Command {CommandId} on {Host} printed more than {Cap} bytes: the rest of its output is counted, not stored")]
    private static partial void LogTruncated(ILogger logger, string commandId, string host, long cap);

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _badCommands = new(StringComparer.Ordinal);

    private CommandTransition? Overdue(ActiveCommand command, DateTimeOffset now)
    {
        fleet.Hosts.TryGetValue(command.Host, out var presence);
        var grace = (presence?.Interval ?? TimeSpan.FromSeconds(5)) * options.MissedHeartbeats;
        if (command.State == CommandState.Queued && command.ExpiresAt <= now)
        {
            return new CommandTransition(command.Id, [CommandState.Queued], CommandState.TimedOut, now, Message: "expired before the host took it");
        }

        // Subtracted from the time it ran, not added to its timeout: a timeout as large as a
        // TimeSpan goes (stored by an older server) cannot overflow.
        if (command.State == CommandState.Running && command.StartedAt is { } started && now - started - grace - TimeSpan.FromSeconds(5) > command.Timeout)
        {
            return new CommandTransition(command.Id, [CommandState.Running], CommandState.TimedOut, now, Message: command.WithTruncation("the agent did not report an end within the timeout", options.MaxCommandOutputBytes));
        }

        if (command.State == CommandState.Running && presence is { Session: null, DisconnectedAt: { } gone } && now - gone > grace)
        {
            return new CommandTransition(command.Id, [CommandState.Running], CommandState.Lost, now, Message: command.WithTruncation("the host's agent went away while the command ran", options.MaxCommandOutputBytes));
        }

        return null;
    }

    [LoggerMessage(EventId = 201, Level = LogLevel.Information, Message = "Agent {Host} registered (agent {AgentVersion})")]
    private static partial void LogRegistered(ILogger logger, string host, string agentVersion);

    [LoggerMessage(EventId = 202, Level = LogLevel.Information, Message = "Agent {Host} disconnected")]
    private static partial void LogDisconnected(ILogger logger, string host);

    [LoggerMessage(EventId = 204, Level = LogLevel.Information, Message = "Agent {Host} enrolled with the shared token: the host was added with a token of its own, sent to the agent")]
    private static partial void LogEnrolled(ILogger logger, string host);

    [LoggerMessage(EventId = 205, Level = LogLevel.Warning, Message = "Refused an agent presenting the shared enrolment token as {Host}: the host exists (it enrols new hosts only; give the agent the host's own token, flotilla hosts add {Host} --replace)")]
    private static partial void LogTakeOverRefused(ILogger logger, string host);

    [LoggerMessage(EventId = 203, Level = LogLevel.Error, Message = "Command {CommandId} of host {Host} cannot be swept (a bad stored value); the sweeps go on with the others")]
    private static partial void LogBadCommand(ILogger logger, string commandId, string host, Exception exception);
}
