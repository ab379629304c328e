using System.Globalization;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using Flotilla.ControlPlane.Events;
using Flotilla.ControlPlane.Store;
using Flotilla.Contracts;
using Flotilla.Dashboard.Internal;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Flotilla.ControlPlane.Internal;

/// <summary>
/// Follows commands' output with Server-Sent Events: what is stored first, then live lines as
/// they are stored, then each command's final state; ends when every followed command has
/// ended. Events: <c>output</c> (<see cref="OutputLineView"/>; its <c>id</c> is the line's
/// place in the store's order, <see cref="OutputLine.Seq"/>), <c>state</c>
/// (<see cref="CommandStateView"/>), <c>end</c>; also <c>keep-alive</c> (empty data; the first
/// carries <c>retry: 1000</c>, then one after 15 s of quiet) and <c>dropped</c> (see below), which
/// clients ignore. The events are <see cref="SseItem{T}"/>s written by
/// <see cref="EventStreamResponse"/> (.NET's <see cref="SseFormatter"/>, flushed per burst).
/// <para>
/// A reader's queue holds only the followed commands' events and is bounded
/// (<see cref="ControlPlaneOptions.SubscriberQueueEvents"/>, <see cref="ControlPlaneOptions.SubscriberQueueBytes"/>):
/// a reader that falls behind is dropped (a <c>dropped</c> event, then the stream ends without
/// <c>end</c>), and reconnecting
/// with <c>Last-Event-ID</c> resumes from the store after the last line it had, with no gap and
/// no repeat. Lines are sent in stored order: the store is read up to its highest number (taken
/// after subscribing), merging the followed commands by number, and the live events, all
/// numbered higher, follow.
/// </para>
/// </summary>
internal sealed partial class OutputStreaming(IControlPlaneStore store, ControlPlaneEvents events, StoreWriter writer, ControlPlaneOptions options, ILogger<OutputStreaming> logger)
{
    /// <summary>The notice a dropped reader gets before its stream ends (an event no client listens to; it has no id).</summary>
    private static readonly SseItem<object?> Dropped = new("{\"reason\":\"this reader fell too far behind; reconnect with Last-Event-ID to resume\"}", "dropped");

    public async Task StreamAsync(HttpContext context, string? commandId, string? batchId)
    {
        var cancellationToken = context.RequestAborted;
        var commands = await CommandsAsync(commandId, batchId, cancellationToken).ConfigureAwait(false);
        if (commands.Count == 0)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        var after = long.TryParse(context.Request.Headers["Last-Event-ID"], NumberStyles.None, CultureInfo.InvariantCulture, out var resumed) ? resumed : 0;
        var stream = await EventStreamResponse.StartAsync(context).ConfigureAwait(false);
        var client = context.Connection.RemoteIpAddress?.ToString() ?? "?";
        await stream.WriteAsync(EventsAsync(stream, commands, commandId, batchId, after, client, cancellationToken), ApiJsonContext.Default, cancellationToken).ConfigureAwait(false);
    }

    private async IAsyncEnumerable<SseItem<object?>> EventsAsync(EventStreamResponse stream, IReadOnlyList<CommandRecord> commands, string? commandId, string? batchId, long after, string client, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // The reconnection delay rides on a keep-alive, the one event without data that every stream starts with.
        yield return EventStreamResponse.KeepAliveEvent with { ReconnectionInterval = TimeSpan.FromSeconds(1) };
        var hosts = commands.ToDictionary(c => c.Id, c => c.Host, StringComparer.Ordinal);

        // Far behind, catch up from the store before following: the live lines meanwhile would
        // fill the queue of a reader that is still reading history, and drop it.
        for (var round = 0; round < 10; round++)
        {
            var head = writer.CommittedSeq;
            var written = 0;
            await foreach (var line in CatchUpAsync(stream, commands, hosts, after, head, cancellationToken).ConfigureAwait(false))
            {
                written++;
                yield return line;
            }

            after = Math.Max(after, head);
            if (written <= options.SubscriberQueueEvents / 2)
            {
                break;
            }
        }

        using var subscription = events.Subscribe(new SubscriptionOptions
        {
            Capacity = options.SubscriberQueueEvents,
            MaxBytes = options.SubscriberQueueBytes,
            DropWhenFull = true,
            Filter = e => e switch
            {
                CommandOutput output => hosts.ContainsKey(output.Line.CommandId),
                CommandChanged changed => hosts.ContainsKey(changed.CommandId),
                _ => false,
            },
        });

        // Subscribed, then the states, then the highest number stored (read from the store: the
        // writer's own count moves only after its commit is visible): a command ended in these
        // states has all its output at or below that number, and every line above it was stored
        // after the subscription, so it comes as a live event.
        commands = await CommandsAsync(commandId, batchId, cancellationToken).ConfigureAwait(false);
        var through = await store.MaxOutputSeqAsync(cancellationToken).ConfigureAwait(false);
        await foreach (var line in CatchUpAsync(stream, commands, hosts, after, through, cancellationToken).ConfigureAwait(false))
        {
            yield return line;
        }

        var pending = new HashSet<string>(StringComparer.Ordinal);
        foreach (var command in commands)
        {
            if (command.State.IsTerminal())
            {
                yield return State(command.Id, command.Host, command.State, command.ExitCode, command.Message);
            }
            else
            {
                pending.Add(command.Id);
            }
        }

        var reader = subscription.Reader;
        var last = Math.Max(after, through);
        while (pending.Count > 0)
        {
            // Flushes the burst written so far, then waits (a keep-alive each 15 s of quiet).
            var open = await stream.WaitToReadAsync(reader, cancellationToken).ConfigureAwait(false);
            if (open is null)
            {
                yield return EventStreamResponse.KeepAliveEvent;
                continue;
            }

            if (open == false)
            {
                // Dropped: too slow. What it missed is in the store; it resumes with Last-Event-ID.
                LogDropped(logger, client, batchId ?? commandId ?? "", last);
                yield return Dropped;
                yield break;
            }

            while (pending.Count > 0 && reader.TryRead(out var @event))
            {
                switch (@event)
                {
                    case CommandOutput output when output.Line.Seq > last && hosts.ContainsKey(output.Line.CommandId):
                        yield return Output(output.Line, output.Host);
                        last = output.Line.Seq;
                        break;
                    case CommandChanged changed when pending.Contains(changed.CommandId):
                        // Output is stored before the end is: every line of the command came before this.
                        yield return State(changed.CommandId, changed.Host, changed.State, changed.ExitCode, changed.Message);
                        if (changed.State.IsTerminal())
                        {
                            pending.Remove(changed.CommandId);
                        }

                        break;
                    default:
                        break;
                }
            }
        }

        yield return new SseItem<object?>("{}", "end");
    }

    private async Task<IReadOnlyList<CommandRecord>> CommandsAsync(string? commandId, string? batchId, CancellationToken cancellationToken) =>
        commandId is not null
            ? await store.GetCommandAsync(commandId, cancellationToken).ConfigureAwait(false) is { } one ? [one] : []
            : await store.ListCommandsAsync(new CommandQuery(BatchId: batchId, Limit: 100_000), cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// The followed commands' stored lines numbered after <paramref name="after"/> and up to
    /// <paramref name="through"/>, merged in number order (each command's lines are numbered in
    /// line order). Reads each command a page at a time, the pages small enough that all of them
    /// together hold about 20,000 lines; what was written goes out before each page is read.
    /// </summary>
    private async IAsyncEnumerable<SseItem<object?>> CatchUpAsync(EventStreamResponse stream, IReadOnlyList<CommandRecord> commands, Dictionary<string, string> hosts, long after, long through, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (through <= after)
        {
            yield break;
        }

        var page = Math.Clamp(20_000 / commands.Count, 16, 10_000);
        var cursors = new PriorityQueue<Cursor, long>();
        foreach (var command in commands)
        {
            var cursor = new Cursor(command.Id);
            if (await cursor.FillAsync(store, after, through, page, cancellationToken).ConfigureAwait(false))
            {
                cursors.Enqueue(cursor, cursor.Head.Seq);
            }
        }

        while (cursors.TryDequeue(out var cursor, out _))
        {
            yield return Output(cursor.Head, hosts[cursor.CommandId]);
            if (cursor.Advance())
            {
                cursors.Enqueue(cursor, cursor.Head.Seq);
            }
            else
            {
                await stream.FlushBurstAsync(cancellationToken).ConfigureAwait(false);
                if (await cursor.FillAsync(store, after, through, page, cancellationToken).ConfigureAwait(false))
                {
                    cursors.Enqueue(cursor, cursor.Head.Seq);
                }
            }
        }
    }

    /// <summary>One command's lines in a numbered range, a page at a time.</summary>
    private sealed class Cursor(string commandId)
    {
        private IReadOnlyList<OutputLine> _page = [];
        private int _index;
        private long _lastLine;

        public string CommandId { get; } = commandId;

        public OutputLine Head => _page[_index];

        public bool Advance()
        {
            _lastLine = Head.Sequence;
            return ++_index < _page.Count;
        }

        public async Task<bool> FillAsync(IControlPlaneStore store, long after, long through, int page, CancellationToken cancellationToken)
        {
            _page = await store.ReadOutputBetweenAsync(CommandId, after, through, _lastLine, page, cancellationToken).ConfigureAwait(false);
            _index = 0;
            return _page.Count > 0;
        }
    }

    public static OutputLineView View(OutputLine line, string host) =>
        new(line.CommandId, host, line.Sequence, line.Stream == OutputStream.Stderr ? "stderr" : "stdout", line.Text, line.Time);

    private static SseItem<object?> Output(OutputLine line, string host) =>
        new(View(line, host), "output") { EventId = line.Seq.ToString(CultureInfo.InvariantCulture) };

    private static SseItem<object?> State(string id, string host, CommandState state, int? exitCode, string? message) =>
        new(new CommandStateView(id, host, state.ToName(), exitCode, message), "state");

    [LoggerMessage(EventId = 400, Level = LogLevel.Information, Message = "Dropped the event stream of {Client} ({Followed}): it read too slowly; it resumes after {LastEventId} when it reconnects")]
    private static partial void LogDropped(ILogger logger, string client, string followed, long lastEventId);
}
