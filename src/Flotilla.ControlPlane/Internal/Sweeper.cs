using Flotilla.Contracts;
using Flotilla.ControlPlane.Store;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Flotilla.ControlPlane.Internal;

/// <summary>
/// Loads the active commands at start, then every <see cref="ControlPlaneOptions.SweepInterval"/>
/// marks hosts that missed heartbeats offline, expires and times out commands, marks commands
/// of agents that went away lost, and closes connections whose token was revoked.
/// </summary>
internal sealed partial class Sweeper(
    IControlPlaneStore store,
    FleetState fleet,
    AgentHub hub,
    StoreWriter writer,
    AgentAdmission admission,
    ControlPlaneOptions options,
    ILogger<Sweeper> logger) : BackgroundService
{
    private static readonly TimeSpan RevocationCheckEvery = TimeSpan.FromSeconds(2);

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        var now = options.TimeProvider.GetUtcNow();
        foreach (var host in await store.ListHostsAsync(cancellationToken).ConfigureAwait(false))
        {
            var presence = fleet.Host(host.Name);
            presence.LastSeen = host.LastSeen;
            presence.Facts = host.Facts;
            presence.Metrics = host.Metrics;
            presence.DisconnectedAt = now;
        }

        foreach (var state in CommandStates.Active)
        {
            foreach (var command in await store.ListCommandsAsync(new CommandQuery(State: state, Limit: int.MaxValue), cancellationToken).ConfigureAwait(false))
            {
                if (command is { State: CommandState.Queued, HasInput: true })
                {
                    // Its input lived in the memory of the server that stopped: it must not run without it.
                    await writer.TransitionAsync(new CommandTransition(command.Id, [CommandState.Queued], CommandState.Failed, now, Message: "its input was held in memory by a server that stopped before the host took the command; run it again")).ConfigureAwait(false);
                    continue;
                }

                var active = new ActiveCommand(command);
                if (state == CommandState.Running)
                {
                    // The output cap counts what was stored before the restart too.
                    active.StoredBytes = await store.OutputBytesAsync(command.Id, cancellationToken).ConfigureAwait(false);
                }

                fleet.Commands[command.Id] = active;
                fleet.Host(command.Host).DisconnectedAt ??= now;
            }
        }

        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.SweepInterval, options.TimeProvider);
        var lastRevocationCheck = options.TimeProvider.GetUtcNow();
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                // Each part on its own: one that fails does not keep the others from running.
                Sweep("presence", hub.SweepPresence);
                Sweep("commands", () =>
                {
                    foreach (var transition in hub.OverdueCommands())
                    {
                        if (fleet.Commands.TryGetValue(transition.CommandId, out var command) && !command.Finishing)
                        {
                            command.Finishing = true;
                            writer.Enqueue(new WriteItem { Transition = transition });
                        }
                    }
                });

                var now = options.TimeProvider.GetUtcNow();
                if (now - lastRevocationCheck >= RevocationCheckEvery)
                {
                    lastRevocationCheck = now;
                    try
                    {
                        admission.SampleOpenFiles();
                        await hub.CloseRevokedAsync(stoppingToken).ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        LogSweepFailed(logger, "revocations", e);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private void Sweep(string part, Action sweep)
    {
        try
        {
            sweep();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogSweepFailed(logger, part, e);
        }
    }

    [LoggerMessage(EventId = 300, Level = LogLevel.Error, Message = "The sweep of {Part} failed; the next one tries again")]
    private static partial void LogSweepFailed(ILogger logger, string part, Exception exception);
}
