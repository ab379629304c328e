using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using Flotilla.ControlPlane.Events;
using Flotilla.ControlPlane.Internal;
using Flotilla.ControlPlane.Store;
using Flotilla.Dashboard;
using Flotilla.Contracts;

namespace Flotilla.ControlPlane.Dashboard;

/// <summary>
/// The dashboard's commands go through the control plane's command service (stored, then sent,
/// or queued for an offline host); output is read from the store, then followed from the
/// in-process events with no gap and no repeat (subscribed before the store is read).
/// </summary>
internal sealed class ControlPlaneCommandService(IControlPlaneStore store, CommandService commands, ControlPlaneEvents events) : ICommandService
{
    private const int Page = 10_000;

    /// <summary>How long a follower waits for an event before it looks at the store (a dropped event cannot leave it hanging).</summary>
    private static readonly TimeSpan Recheck = TimeSpan.FromSeconds(5);

    public async ValueTask<ImmutableArray<CommandRecord>> SendAsync(CommandRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Hosts.IsEmpty)
        {
            throw new InvalidOperationException("no host selected");
        }

        var known = await store.HostTokenHashesAsync(cancellationToken).ConfigureAwait(false);
        if (request.Hosts.FirstOrDefault(h => !known.ContainsKey(h)) is { } unknown)
        {
            throw new InvalidOperationException($"unknown host \"{unknown}\"");
        }

        var api = new CreateCommandsRequest(
            string.Join(',', request.Hosts.Distinct(StringComparer.Ordinal)),
            request.Operation,
            request.Argv.IsDefaultOrEmpty ? null : [.. request.Argv],
            request.TimeoutSeconds,
            request.ExpiresInSeconds);
        var (created, error) = await commands.CreateAsync(api, request.RequestedBy, cancellationToken).ConfigureAwait(false);
        return error is null ? created : throw new InvalidOperationException(error);
    }

    public async ValueTask<IReadOnlyList<CommandRecord>> ListAsync(string host, int limit, CancellationToken cancellationToken = default)
    {
        var stored = await store.ListCommandsAsync(new CommandQuery(Host: host, Limit: Math.Max(1, limit)), cancellationToken).ConfigureAwait(false);
        return [.. stored.Reverse()];
    }

    public async ValueTask<CommandRecord?> GetAsync(string commandId, CancellationToken cancellationToken = default) =>
        await store.GetCommandAsync(commandId, cancellationToken).ConfigureAwait(false);

    public async ValueTask<bool> KillAsync(string commandId, string requestedBy, CancellationToken cancellationToken = default)
    {
        var stored = await store.GetCommandAsync(commandId, cancellationToken).ConfigureAwait(false);
        if (stored is null || stored.State.IsTerminal())
        {
            return false;
        }

        var (found, error) = await commands.KillAsync(commandId, cancellationToken).ConfigureAwait(false);
        return found && (error is null || !error.StartsWith("the command is already", StringComparison.Ordinal));
    }

    public async IAsyncEnumerable<OutputLine> ReadOutputAsync(string commandId, long afterSequence, bool follow, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // Subscribe first: a line stored after the store is read is then in the queue.
        // Only this command's events, bounded: a slow page loses its oldest, and the gap is read from the store.
        using var subscription = follow
            ? events.Subscribe(new SubscriptionOptions
            {
                Capacity = 100_000,
                MaxBytes = 4L * 1024 * 1024,
                Filter = e => e is CommandOutput o ? o.Line.CommandId == commandId : e is Events.CommandChanged c && c.CommandId == commandId,
            })
            : null;
        var command = await store.GetCommandAsync(commandId, cancellationToken).ConfigureAwait(false);
        if (command is null)
        {
            yield break;
        }

        var last = afterSequence;
        await foreach (var line in CatchUpAsync(commandId, last, cancellationToken).ConfigureAwait(false))
        {
            last = line.Sequence;
            yield return line;
        }

        if (subscription is null || command.State.IsTerminal())
        {
            yield break;
        }

        var reader = subscription.Reader;
        // The highest line number seen live: a line can arrive after a later one (an agent that
        // numbers its two streams' lines apart from sending them), so a gap is filled from the
        // store only as far as it has no holes, and the rest follows when the missing line comes.
        var ahead = last;
        while (true)
        {
            var woke = false;
            using (var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                wait.CancelAfter(Recheck);
                try
                {
                    woke = await reader.WaitToReadAsync(wait.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                }
            }

            var finished = false;
            var behind = false;
            if (!woke)
            {
                // Quiet (or events were dropped): the store says whether it ended, and has what was missed.
                finished = (await store.GetCommandAsync(commandId, cancellationToken).ConfigureAwait(false))?.State.IsTerminal() ?? true;
                behind = true;
            }

            while (!finished && reader.TryRead(out var @event))
            {
                switch (@event)
                {
                    case CommandOutput output when output.Line.CommandId == commandId && output.Line.Sequence == last + 1:
                        last = output.Line.Sequence;
                        yield return output.Line;
                        break;
                    case CommandOutput output when output.Line.CommandId == commandId && output.Line.Sequence > last + 1:
                        ahead = Math.Max(ahead, output.Line.Sequence);
                        behind = true;
                        break;
                    case Events.CommandChanged changed when changed.CommandId == commandId && changed.State.IsTerminal():
                        finished = true;
                        break;
                    default:
                        break;
                }

                if (behind || ahead > last)
                {
                    await foreach (var line in CatchUpAsync(commandId, last, cancellationToken, untilGap: true).ConfigureAwait(false))
                    {
                        last = line.Sequence;
                        yield return line;
                    }

                    behind = false;
                }
            }

            if (finished)
            {
                // Output is stored before the end is: what was not streamed yet is in the store (all
                // of it now, holes and all: a line that never came will not).
                await foreach (var line in CatchUpAsync(commandId, last, cancellationToken).ConfigureAwait(false))
                {
                    last = line.Sequence;
                    yield return line;
                }

                yield break;
            }

            if (behind)
            {
                await foreach (var line in CatchUpAsync(commandId, last, cancellationToken, untilGap: true).ConfigureAwait(false))
                {
                    last = line.Sequence;
                    yield return line;
                }
            }
        }
    }

    /// <summary>The stored lines after <paramref name="after"/>; with <paramref name="untilGap"/>, only those that follow on without a missing number.</summary>
    private async IAsyncEnumerable<OutputLine> CatchUpAsync(string commandId, long after, [EnumeratorCancellation] CancellationToken cancellationToken, bool untilGap = false)
    {
        while (true)
        {
            var lines = await store.ReadOutputAsync(commandId, after, Page, cancellationToken).ConfigureAwait(false);
            foreach (var line in lines)
            {
                if (untilGap && line.Sequence != after + 1)
                {
                    yield break;
                }

                after = line.Sequence;
                yield return line;
            }

            if (lines.Count < Page)
            {
                yield break;
            }
        }
    }
}
