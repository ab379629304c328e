using System.Globalization;
using System.Text.Json;
using Flotilla.ControlPlane.Events;
using Flotilla.ControlPlane.Store;
using Flotilla.Contracts;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Flotilla.ControlPlane.Internal;

/// <summary>
/// Follows commands' output with Server-Sent Events: what is stored first, then live lines as
/// they are stored, then each command's final state; ends when every followed command has
/// ended. Events: <c>output</c> (<see cref="OutputLineView"/>; its <c>id</c> is the line's
/// place in the store's order, <see cref="OutputLine.Seq"/>), <c>state</c>
/// (<see cref="CommandStateView"/>), <c>end</c>.
/// <para>
/// A reader's queue holds only the followed commands' events and is bounded
/// (<see cref="ControlPlaneOptions.SubscriberQueueEvents"/>, <see cref="ControlPlaneOptions.SubscriberQueueBytes"/>):
/// a reader that falls behind is dropped (the stream ends without <c>end</c>), and reconnecting
/// with <c>Last-Event-ID</c> resumes from the store after the last line it had, with no gap and
/// no repeat. Lines are sent in stored order: the store is read up to its highest number (taken
/// after subscribing), merging the followed commands by number, and the live events, all
/// numbered higher, follow.
/// </para>
/// </summary>
internal sealed partial class OutputStreaming(IControlPlaneStore store, ControlPlaneEvents events, StoreWriter writer, ControlPlaneOptions options, ILogger<OutputStreaming> logger)
{
    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);

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
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        context.Response.Headers["X-Accel-Buffering"] = "no";
        var response = context.Response;
        await response.WriteAsync("retry: 1000\n\n", cancellationToken).ConfigureAwait(false);
        var hosts = commands.ToDictionary(c => c.Id, c => c.Host, StringComparer.Ordinal);

        // Far behind, catch up from the store before following: the live lines meanwhile would
        // fill the queue of a reader that is still reading history, and drop it.
        for (var round = 0; round < 10; round++)
        {
            var head = writer.CommittedSeq;
            var written = await CatchUpAsync(response, commands, hosts, after, head, cancellationToken).ConfigureAwait(false);
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
        await CatchUpAsync(response, commands, hosts, after, through, cancellationToken).ConfigureAwait(false);
        var pending = new HashSet<string>(StringComparer.Ordinal);
        foreach (var command in commands)
        {
            if (command.State.IsTerminal())
            {
                await WriteStateAsync(response, command.Id, command.Host, command.State, command.ExitCode, command.Message, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                pending.Add(command.Id);
            }
        }

        await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
        var reader = subscription.Reader;
        var last = Math.Max(after, through);
        while (pending.Count > 0)
        {
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            wait.CancelAfter(KeepAlive);
            bool open;
            try
            {
                open = await reader.WaitToReadAsync(wait.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                await response.WriteAsync(": keep-alive\n\n", cancellationToken).ConfigureAwait(false);
                await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (!open)
            {
                // Dropped: too slow. What it missed is in the store; it resumes with Last-Event-ID.
                LogDropped(logger, context.Connection.RemoteIpAddress?.ToString() ?? "?", batchId ?? commandId ?? "", last);
                await response.WriteAsync(": dropped: this reader fell too far behind; reconnect with Last-Event-ID to resume\n\n", cancellationToken).ConfigureAwait(false);
                return;
            }

            while (pending.Count > 0 && reader.TryRead(out var @event))
            {
                switch (@event)
                {
                    case CommandOutput output when output.Line.Seq > last && hosts.ContainsKey(output.Line.CommandId):
                        await WriteOutputAsync(response, output.Line, output.Host, cancellationToken).ConfigureAwait(false);
                        last = output.Line.Seq;
                        break;
                    case CommandChanged changed when pending.Contains(changed.CommandId):
                        // Output is stored before the end is: every line of the command came before this.
                        await WriteStateAsync(response, changed.CommandId, changed.Host, changed.State, changed.ExitCode, changed.Message, cancellationToken).ConfigureAwait(false);
                        if (changed.State.IsTerminal())
                        {
                            pending.Remove(changed.CommandId);
                        }

                        break;
                    default:
                        break;
                }
            }

            await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        await response.WriteAsync("event: end\ndata: {}\n\n", cancellationToken).ConfigureAwait(false);
        await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<IReadOnlyList<CommandRecord>> CommandsAsync(string? commandId, string? batchId, CancellationToken cancellationToken) =>
        commandId is not null
            ? await store.GetCommandAsync(commandId, cancellationToken).ConfigureAwait(false) is { } one ? [one] : []
            : await store.ListCommandsAsync(new CommandQuery(BatchId: batchId, Limit: 100_000), cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Writes the followed commands' stored lines numbered after <paramref name="after"/> and up to
    /// <paramref name="through"/>, merged in number order (each command's lines are numbered in
    /// line order). Reads each command a page at a time, the pages small enough that all of them
    /// together hold about 20,000 lines.
    /// </summary>
    private async Task<int> CatchUpAsync(HttpResponse response, IReadOnlyList<CommandRecord> commands, Dictionary<string, string> hosts, long after, long through, CancellationToken cancellationToken)
    {
        if (through <= after)
        {
            return 0;
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

        var written = 0;
        while (cursors.TryDequeue(out var cursor, out _))
        {
            await WriteOutputAsync(response, cursor.Head, hosts[cursor.CommandId], cancellationToken).ConfigureAwait(false);
            if (++written % 1000 == 0)
            {
                await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
            }

            if (cursor.Advance() || await cursor.FillAsync(store, after, through, page, cancellationToken).ConfigureAwait(false))
            {
                cursors.Enqueue(cursor, cursor.Head.Seq);
            }
        }

        await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
        return written;
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

    private static Task WriteOutputAsync(HttpResponse response, OutputLine line, string host, CancellationToken cancellationToken) =>
        response.WriteAsync("id: " + line.Seq.ToString(CultureInfo.InvariantCulture) + "\nevent: output\ndata: " + JsonSerializer.Serialize(View(line, host), ApiJsonContext.Default.OutputLineView) + "\n\n", cancellationToken);

    private static Task WriteStateAsync(HttpResponse response, string id, string host, CommandState state, int? exitCode, string? message, CancellationToken cancellationToken) =>
        response.WriteAsync("event: state\ndata: " + JsonSerializer.Serialize(new CommandStateView(id, host, state.ToName(), exitCode, message), ApiJsonContext.Default.CommandStateView) + "\n\n", cancellationToken);

    [LoggerMessage(EventId = 400, Level = LogLevel.Information, Message = "Dropped the event stream of {Client} ({Followed}): it read too slowly; it resumes after {LastEventId} when it reconnects")]
    private static partial void LogDropped(ILogger logger, string client, string followed, long lastEventId);
}
