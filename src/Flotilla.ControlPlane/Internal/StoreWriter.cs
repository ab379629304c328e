using System.Threading.Channels;
using Flotilla.ControlPlane.Events;
using Flotilla.ControlPlane.Store;
using Flotilla.Contracts;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Flotilla.ControlPlane.Internal;

/// <summary>One write the hot path hands to the <see cref="StoreWriter"/>.</summary>
internal sealed record WriteItem
{
    public OutputLine? Output { get; init; }
    public string? OutputHost { get; init; }
    public CommandTransition? Transition { get; init; }
    public HostSeen? Seen { get; init; }
    public (string Host, HostFacts Facts)? Facts { get; init; }

    /// <summary>The agent connection to acknowledge <see cref="Seq"/> to once stored.</summary>
    public AgentSession? AckTo { get; init; }

    /// <summary>The agent connection whose receive window this write takes <see cref="Bytes"/> of until it is stored.</summary>
    public AgentSession? From { get; init; }
    public int Bytes { get; init; }
    public long Seq { get; init; }
    public TaskCompletionSource<bool>? Done { get; init; }
}

/// <summary>
/// The single writer: drains a channel into batches, writes each batch in one transaction, and
/// only then acknowledges to agents, applies state changes in memory and publishes events
/// ("store before ack": a restart loses nothing acknowledged). It numbers output lines in the
/// order it stores them (<see cref="OutputLine.Seq"/>), and counts the bytes agents' messages
/// hold while they wait (<see cref="QueuedBytes"/>): connections stop reading past their share
/// (<see cref="AgentSession"/>), so the queue is bounded. Thread safe.
/// </summary>
internal sealed partial class StoreWriter(
    IControlPlaneStore store,
    FleetState fleet,
    ControlPlaneEvents events,
    ControlPlaneMetrics metrics,
    ControlPlaneOptions options,
    ILogger<StoreWriter> logger) : BackgroundService
{
    private readonly Channel<WriteItem> _channel = Channel.CreateUnbounded<WriteItem>(new UnboundedChannelOptions { SingleReader = true });
    private long _queuedBytes;
    private long _lastSeq;
    private long _committedSeq;

    /// <summary>Bytes of agents' messages received and not stored yet.</summary>
    public long QueuedBytes => Interlocked.Read(ref _queuedBytes);

    /// <summary>The highest <see cref="OutputLine.Seq"/> committed: every line numbered up to it is stored (or never will be: its batch failed).</summary>
    public long CommittedSeq => Interlocked.Read(ref _committedSeq);

    public void Enqueue(WriteItem item)
    {
        Interlocked.Add(ref _queuedBytes, item.Bytes);
        if (!_channel.Writer.TryWrite(item))
        {
            Release(item);
            item.Done?.TrySetException(new InvalidOperationException("the server is stopping"));
        }
    }

    private void Release(WriteItem item)
    {
        if (item.Bytes != 0)
        {
            Interlocked.Add(ref _queuedBytes, -item.Bytes);
            item.From?.Stored(item.Bytes);
        }
    }

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        // Numbering goes on from the store's: event streams resume by these numbers.
        _lastSeq = await store.MaxOutputSeqAsync(cancellationToken).ConfigureAwait(false);
        Interlocked.Exchange(ref _committedSeq, _lastSeq);
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Changes a command's state and returns whether it took effect, once stored.</summary>
    public Task<bool> TransitionAsync(CommandTransition transition)
    {
        var done = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        Enqueue(new WriteItem { Transition = transition, Done = done });
        return done.Task;
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // Drain what is queued before the store closes.
        _channel.Writer.TryComplete();
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var items = new List<WriteItem>(options.MaxBatch);
        while (await _channel.Reader.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false))
        {
            items.Clear();
            long bytes = 0;
            while (items.Count < options.MaxBatch && bytes < options.MaxBatchBytes && _channel.Reader.TryRead(out var item))
            {
                items.Add(item);
                bytes += item.Bytes;
            }

            await WriteAsync(items).ConfigureAwait(false);
        }
    }

    private async Task WriteAsync(List<WriteItem> items)
    {
        var output = new List<OutputLine>();
        var numbered = new OutputLine?[items.Count];
        var transitions = new List<CommandTransition>();
        var seen = new Dictionary<string, HostSeen>(StringComparer.Ordinal);
        var facts = new List<(string, HostFacts)>();
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            if (item.Output is { } line)
            {
                numbered[i] = line with { Seq = ++_lastSeq };
                output.Add(numbered[i]!);
            }

            if (item.Transition is { } transition)
            {
                transitions.Add(transition);
            }

            if (item.Seen is { } s)
            {
                seen[s.Host] = s;
            }

            if (item.Facts is { } f)
            {
                facts.Add(f);
            }
        }

        StoreApplied applied;
        var started = options.TimeProvider.GetTimestamp();
        try
        {
            applied = await store.ApplyAsync(new StoreBatch(output, transitions, [.. seen.Values], facts)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogWriteFailed(logger, items.Count, e);
            foreach (var item in items)
            {
                Release(item);
                item.Done?.TrySetException(e);
                // Unacknowledged: the agent sends it again when it reconnects.
                item.AckTo?.Abort("the server could not store a message");
            }

            return;
        }

        Interlocked.Exchange(ref _committedSeq, _lastSeq);
        metrics.StoreBatch(items.Count, options.TimeProvider.GetElapsedTime(started));
        // Lines before state changes: a follower that sees a command end has seen all its output.
        // A line sent again (its agent reconnected before the acknowledgement came) was stored
        // the first time and is not published again: followers would print it twice.
        var stored = new HashSet<OutputLine>(applied.Output, ReferenceEqualityComparer.Instance);
        for (var i = 0; i < items.Count; i++)
        {
            Release(items[i]);
            if (numbered[i] is { } line && stored.Contains(line))
            {
                events.Publish(new CommandOutput(line.Time, items[i].OutputHost ?? "", line));
            }
        }

        var appliedSet = new HashSet<CommandTransition>(applied.Transitions, ReferenceEqualityComparer.Instance);
        foreach (var transition in applied.Transitions)
        {
            Apply(transition);
        }

        foreach (var item in items)
        {
            item.Done?.TrySetResult(item.Transition is not null && appliedSet.Contains(item.Transition));
        }

        var acks = new Dictionary<AgentSession, long>(ReferenceEqualityComparer.Instance);
        foreach (var item in items)
        {
            if (item.AckTo is { } session)
            {
                acks[session] = Math.Max(item.Seq, acks.GetValueOrDefault(session));
            }
        }

        foreach (var (session, seq) in acks)
        {
            session.Send(new AckMessage(seq));
        }
    }

    private void Apply(CommandTransition transition)
    {
        if (!fleet.Commands.TryGetValue(transition.CommandId, out var command))
        {
            return;
        }

        if (transition.To.IsTerminal())
        {
            fleet.Commands.TryRemove(transition.CommandId, out _);
            metrics.CommandFinished(transition.To, command.StartedAt is { } started ? transition.At - started : null);
        }
        else
        {
            command.State = transition.To;
            command.StartedAt ??= transition.At;
        }

        events.Publish(new CommandChanged(transition.At, command.Id, command.BatchId, command.Host, transition.To, transition.ExitCode, transition.Message));
    }

    [LoggerMessage(EventId = 100, Level = LogLevel.Error, Message = "Could not store a batch of {Count} writes; the agents involved are disconnected and will resend")]
    private static partial void LogWriteFailed(ILogger logger, int count, Exception exception);
}
