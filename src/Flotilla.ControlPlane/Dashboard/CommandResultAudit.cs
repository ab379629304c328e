using Flotilla.Contracts;
using Flotilla.ControlPlane.Events;
using Flotilla.ControlPlane.Store;
using Flotilla.Dashboard;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Flotilla.ControlPlane.Dashboard;

/// <summary>
/// Completes the audit trail of commands: when one ends, a <c>command-result</c> entry says how
/// (who sent it, a person or <c>token:NAME</c>; which host, what, and the result).
/// </summary>
internal sealed partial class CommandResultAudit(ControlPlaneEvents events, IControlPlaneStore store, ILogger<CommandResultAudit> logger) : BackgroundService
{
    public const string Action = "command-result";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var subscription = events.Subscribe(100_000);
        try
        {
            await foreach (var @event in subscription.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                if (@event is not Events.CommandChanged { } changed || !changed.State.IsTerminal())
                {
                    continue;
                }

                try
                {
                    var command = await store.GetCommandAsync(changed.CommandId, stoppingToken).ConfigureAwait(false);
                    if (command is null)
                    {
                        continue;
                    }

                    var what = command.Description;
                    var result = command.State.ToName() + (command.ExitCode is { } code ? $" (exit {code})" : "") + (command.Message is { Length: > 0 } message && command.ExitCode is null ? ": " + message : "");
                    await store.AppendAsync(new AuditEntry(changed.At, command.RequestedBy, Action, command.Host, what + " [" + command.Id + "]", result, null), stoppingToken).ConfigureAwait(false);
                }
                catch (System.Data.Common.DbException e)
                {
                    LogFailed(logger, changed.CommandId, e);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "could not write the audit entry for command {CommandId}")]
    private static partial void LogFailed(ILogger logger, string commandId, Exception exception);
}
