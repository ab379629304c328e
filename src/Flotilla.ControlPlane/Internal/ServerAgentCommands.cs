using Flotilla.ControlPlane.Endpoints;
using Flotilla.ControlPlane.Events;
using Flotilla.ControlPlane.Store;
using Flotilla.Contracts;
using Flotilla.Execution;

namespace Flotilla.ControlPlane.Internal;

/// <summary>
/// The agents of this server as a run's transport (<see cref="AgentTransport"/>) for the runs it
/// hosts: each step is a command made by the command service (stored, audited under the run's
/// name) and followed in process. The store is the record: events only say when to read it
/// again, so a burst of events lost on the way loses nothing. Thread safe.
/// </summary>
internal sealed class ServerAgentCommands(CommandService commands, IControlPlaneStore store, FleetState fleet, ControlPlaneEvents events, ControlPlaneOptions options) : IAgentCommands
{
    /// <summary>How long a follower waits for an event before it reads the store again anyway.</summary>
    private static readonly TimeSpan Recheck = TimeSpan.FromSeconds(5);

    public string Where => "this server";

    /// <summary>Who the commands are made for, in the store and the audit log (the run and the person who started it).</summary>
    public string RequestedBy { get; init; } = "engine";

    public async Task<IReadOnlyList<HostView>> HostsAsync(CancellationToken cancellationToken = default)
    {
        var now = options.TimeProvider.GetUtcNow();
        return [.. (await store.ListHostsAsync(cancellationToken).ConfigureAwait(false)).Select(h => HostsEndpoints.View(h, fleet, now))];
    }

    public async Task<CommandStateView?> ExecAsync(string agent, IReadOnlyList<string> argv, string? input, TimeSpan timeout, TimeSpan queueExpiry, Action<OutputLineView> onLine, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(onLine);
        // Subscribed before the command exists, so nothing it says is missed (the doorbell only: the store is read).
        using var subscription = events.Subscribe(new SubscriptionOptions
        {
            Capacity = 1000,
            Filter = e => e is CommandOutput o && o.Host == agent || e is CommandChanged c && c.Host == agent,
        });
        var (made, error) = await commands.CreateAsync(
            new CreateCommandsRequest(agent, Ops.Exec, [.. argv], timeout.TotalSeconds, queueExpiry.TotalSeconds) { Input = input },
            RequestedBy,
            cancellationToken,
            engineStep: true).ConfigureAwait(false);
        if (error is not null)
        {
            throw new ControlPlaneException(error);
        }

        var command = made.Single();
        long line = 0;
        try
        {
            while (true)
            {
                // The state first: a command that has ended has all its output stored.
                var now = await store.GetCommandAsync(command.Id, cancellationToken).ConfigureAwait(false);
                foreach (var stored in await store.ReadOutputAsync(command.Id, line, 100_000, cancellationToken).ConfigureAwait(false))
                {
                    onLine(OutputStreaming.View(stored, agent));
                    line = stored.Sequence;
                }

                if (now is null)
                {
                    return null;
                }

                if (now.State.IsTerminal())
                {
                    return new CommandStateView(now.Id, agent, now.State.ToName(), now.ExitCode, now.Message);
                }

                using var quiet = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                quiet.CancelAfter(Recheck);
                try
                {
                    await subscription.Reader.WaitToReadAsync(quiet.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                }

                while (subscription.Reader.TryRead(out _))
                {
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The run was cancelled: its step's command stops too.
            await commands.KillAsync(command.Id, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }
}
