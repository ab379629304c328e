using System.Collections.Immutable;

namespace Flotilla.Dashboard.Internal;

/// <summary>Sends commands for the pages: dangerous ones only with a fresh second factor, every one audited.</summary>
internal sealed class CommandSender(ICommandService commands, LoginService login, IAuditLog audit, TimeProvider time)
{
    public sealed record Outcome(bool Sent, string Message, ImmutableArray<CommandRecord> Commands)
    {
        /// <summary>Refused because the fresh second factor was missing or wrong.</summary>
        public bool StepUpFailed { get; init; }
    }

    public async Task<Outcome> SendAsync(string user, ImmutableArray<string> hosts, string operation, string? commandLine, string? secondFactor, string client, CancellationToken cancellationToken)
    {
        if (hosts.IsEmpty)
        {
            return new Outcome(false, "Select at least one host.", []);
        }

        if (!CommandOperations.All.Contains(operation))
        {
            return new Outcome(false, $"Unknown operation \"{operation}\".", []);
        }

        if (operation == CommandOperations.Exec && string.IsNullOrWhiteSpace(commandLine))
        {
            return new Outcome(false, "Type the command to run.", []);
        }

        var argv = operation == CommandOperations.Exec ? CommandOperations.ShellArgv(commandLine!) : [];
        var what = CommandOperations.Describe(operation, argv);
        var target = string.Join(',', hosts);
        if (CommandOperations.IsDangerous(operation))
        {
            var stepUp = await login.StepUpAsync(user, secondFactor, what + " on " + target, client, cancellationToken).ConfigureAwait(false);
            if (!stepUp.Succeeded)
            {
                return new Outcome(false, stepUp.Reason == "locked out"
                    ? "Too many wrong codes: wait a few minutes."
                    : $"{Describe(operation)} needs a fresh code from your authenticator app (a code works once).", []) { StepUpFailed = true };
            }
        }

        ImmutableArray<CommandRecord> sent;
        try
        {
            sent = await commands.SendAsync(new CommandRequest(hosts, operation, argv, user), cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidOperationException e)
        {
            await audit.AppendAsync(new AuditEntry(time.GetUtcNow(), user, AuditActions.Command, target, what, "refused: " + e.Message, client), cancellationToken).ConfigureAwait(false);
            return new Outcome(false, e.Message, []);
        }

        await audit.AppendAsync(new AuditEntry(time.GetUtcNow(), user, AuditActions.Command, target, what, "queued " + string.Join(',', sent.Select(c => c.Id)), client), cancellationToken).ConfigureAwait(false);
        return new Outcome(true, $"Sent {what} to {sent.Length} host{(sent.Length == 1 ? "" : "s")}.", sent);
    }

    public async Task<bool> KillAsync(string user, string commandId, string client, CancellationToken cancellationToken)
    {
        var killed = await commands.KillAsync(commandId, user, cancellationToken).ConfigureAwait(false);
        await audit.AppendAsync(new AuditEntry(time.GetUtcNow(), user, AuditActions.Kill, commandId, null, killed ? "ok" : "already finished", client), cancellationToken).ConfigureAwait(false);
        return killed;
    }

    private static string Describe(string operation) => operation switch
    {
        CommandOperations.Exec => "Running a command",
        CommandOperations.Reboot => "Rebooting",
        CommandOperations.Rollback => "Rolling back",
        _ => operation,
    };
}
