using System.Threading.Channels;
using Flotilla.ControlPlane.Events;
using Flotilla.ControlPlane.Store;
using Flotilla.Protocol;
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
    public long Seq { get; init; }
    public TaskCompletionSource<bool>? Done { get; init; }
}

/// <summary>
/// The single writer: drains a channel into batches, writes each batch in one transaction, and
/// only then acknowledges to agents, applies state changes in memory and publishes events
/// ("store before ack": a restart loses nothing acknowledged). Thread safe.
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

    public void Enqueue(WriteItem item)
    {
        if (!_channel.Writer.TryWrite(item))
        {
            item.Done?.TrySetException(new InvalidOperationException("the server is stopping"));
        }
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
            while (items.Count < options.MaxBatch && _channel.Reader.TryRead(out var item))
            {
                items.Add(item);
            }

            await WriteAsync(items).ConfigureAwait(false);
        }
    }

    private async Task WriteAsync(List<WriteItem> items)
    {
        var output = new List<OutputLine>();
        var transitions = new List<CommandTransition>();
        var seen = new Dictionary<string, HostSeen>(StringComparer.Ordinal);
        var facts = new List<(string, HostFacts)>();
        foreach (var item in items)
        {
            if (item.Output is { } line)
            {
                output.Add(line);
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

        IReadOnlyList<CommandTransition> applied;
        try
        {
            applied = await store.ApplyAsync(new StoreBatch(output, transitions, [.. seen.Values], facts)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogWriteFailed(logger, items.Count, e);
            foreach (var item in items)
            {
                item.Done?.TrySetException(e);
                // Unacknowledged: the agent sends it again when it reconnects.
                item.AckTo?.Abort("the server could not store a message");
            }

            return;
        }

        metrics.StoreBatch(items.Count);
        var appliedSet = new HashSet<CommandTransition>(applied, ReferenceEqualityComparer.Instance);
        foreach (var transition in applied)
        {
            Apply(transition);
        }

        foreach (var item in items)
        {
            if (item.Output is { } line)
            {
                events.Publish(new CommandOutput(line.At, item.OutputHost ?? "", line));
            }

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
            metrics.CommandFinished(transition.To);
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
