using System.Collections.Immutable;

namespace Flotilla.Dashboard.Internal;

/// <summary>
/// The one way a logged-in person's commands are sent, from the pages and from the control plane's
/// API alike: dangerous ones only with a fresh second factor, every attempt audited.
/// </summary>
internal sealed class CommandSender(ICommandService commands, LoginService login, IAuditLog audit, TimeProvider time) : ISessionCommandSender
{
    /// <summary>From a page's form: a typed command line runs as <c>/bin/sh -c LINE</c>.</summary>
    public Task<SessionCommandOutcome> SendAsync(string user, ImmutableArray<string> hosts, string operation, string? commandLine, string? secondFactor, string client, CancellationToken cancellationToken)
    {
        if (operation == Ops.Exec && string.IsNullOrWhiteSpace(commandLine))
        {
            return Task.FromResult(new SessionCommandOutcome(false, "Type the command to run.", []));
        }

        var argv = operation == Ops.Exec ? Ops.ShellArgv(commandLine!) : [];
        return SendAsync(new CommandRequest(hosts, operation, argv, user), secondFactor, client, cancellationToken);
    }

    public async Task<SessionCommandOutcome> SendAsync(CommandRequest request, string? secondFactor, string client, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (hosts, operation, user) = (request.Hosts, request.Operation, request.RequestedBy);
        if (hosts.IsDefaultOrEmpty)
        {
            return new SessionCommandOutcome(false, "Select at least one host.", []);
        }

        if (!Ops.All.Contains(operation))
        {
            return new SessionCommandOutcome(false, $"Unknown operation \"{operation}\".", []);
        }

        var what = Ops.Describe(operation, request.Argv);
        var target = string.Join(',', hosts);
        if (Ops.IsDangerous(operation))
        {
            var stepUp = await login.StepUpAsync(user, secondFactor, what + " on " + target, client, cancellationToken).ConfigureAwait(false);
            if (!stepUp.Succeeded)
            {
                return new SessionCommandOutcome(false, stepUp.Reason == "locked out"
                    ? "Too many wrong codes: wait a few minutes."
                    : $"{Describe(operation)} needs a fresh code from your authenticator app (a code works once).", []) { StepUpFailed = true };
            }
        }

        ImmutableArray<CommandRecord> sent;
        try
        {
            sent = await commands.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidOperationException e)
        {
            await audit.AppendAsync(new AuditEntry(time.GetUtcNow(), user, AuditActions.Command, target, what, "refused: " + e.Message, client), cancellationToken).ConfigureAwait(false);
            return new SessionCommandOutcome(false, e.Message, []);
        }

        await audit.AppendAsync(new AuditEntry(time.GetUtcNow(), user, AuditActions.Command, target, what, "queued " + string.Join(',', sent.Select(c => c.Id)), client), cancellationToken).ConfigureAwait(false);
        return new SessionCommandOutcome(true, $"Sent {what} to {sent.Length} host{(sent.Length == 1 ? "" : "s")}.", sent);
    }

    public async Task<bool> KillAsync(string user, string commandId, string client, CancellationToken cancellationToken = default)
    {
        var killed = await commands.KillAsync(commandId, user, cancellationToken).ConfigureAwait(false);
        await audit.AppendAsync(new AuditEntry(time.GetUtcNow(), user, AuditActions.Kill, commandId, null, killed ? "ok" : "already finished", client), cancellationToken).ConfigureAwait(false);
        return killed;
    }

    private static string Describe(string operation) => operation switch
    {
        Ops.Exec => "Running a command",
        Ops.Reboot => "Rebooting",
        Ops.Rollback => "Rolling back",
        _ => operation,
    };
}
