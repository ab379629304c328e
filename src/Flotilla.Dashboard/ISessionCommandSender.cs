using System.Collections.Immutable;

namespace Flotilla.Dashboard;

/// <summary>
/// Sends and kills commands for a person logged in to the dashboard, on every way in (the pages'
/// forms, the control plane's API with the session cookie): one check, a dangerous operation
/// (<see cref="CommandOperations.IsDangerous"/>) only with a fresh second factor, and one audit
/// entry for every attempt. Registered by <c>AddFlotillaDashboard</c>; thread safe.
/// </summary>
public interface ISessionCommandSender
{
    /// <param name="secondFactor">A TOTP code not used before (the password when no TOTP is configured); only a dangerous operation needs it.</param>
    /// <param name="client">The client's address, for the audit log.</param>
    Task<SessionCommandOutcome> SendAsync(CommandRequest request, string? secondFactor, string client, CancellationToken cancellationToken = default);

    /// <summary>Asks the command's agent to stop it; false when it had already finished. Audited.</summary>
    Task<bool> KillAsync(string user, string commandId, string client, CancellationToken cancellationToken = default);
}

/// <summary>What became of a request: sent (one command per host), or why not.</summary>
public sealed record SessionCommandOutcome(bool Sent, string Message, ImmutableArray<CommandRecord> Commands)
{
    /// <summary>Refused because the fresh second factor was missing or wrong.</summary>
    public bool StepUpFailed { get; init; }
}
