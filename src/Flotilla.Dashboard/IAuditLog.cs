namespace Flotilla.Dashboard;

/// <summary>
/// One line of the audit log: who did what to what, when, from where and how it ended. Logins
/// (succeeded or failed, and why), logouts, every command sent, kills and refused step-ups.
/// </summary>
/// <param name="Actor">The account, or "-" for a failed login with no session.</param>
/// <param name="Action">One of <see cref="AuditActions"/>.</param>
/// <param name="Target">The host(s) or command id the action touched.</param>
/// <param name="Detail">The operation or command line; never a password or a code.</param>
/// <param name="Result">"ok", or why not ("wrong password", "totp replayed", "locked out", ...).</param>
public sealed record AuditEntry(DateTimeOffset Time, string Actor, string Action, string? Target, string? Detail, string Result, string? ClientAddress);

public static class AuditActions
{
    public const string Login = "login";
    public const string Logout = "logout";
    public const string Command = "command";
    public const string Kill = "kill";
    public const string StepUp = "step-up";
    /// <summary>A run's journal pushed to the server (<c>deploy --server</c>).</summary>
    public const string RunPush = "run-push";
    /// <summary>A run started from the dashboard (deploy, rollback, reboot of a selection).</summary>
    public const string RunStart = "run-start";
    /// <summary>A run the server hosts cancelled from the dashboard.</summary>
    public const string RunCancel = "run-cancel";
}

/// <summary>Append-only audit log. The control plane stores it in its database; must be thread safe.</summary>
public interface IAuditLog
{
    ValueTask AppendAsync(AuditEntry entry, CancellationToken cancellationToken = default);

    /// <summary>The newest entries first, at most <paramref name="limit"/>.</summary>
    ValueTask<IReadOnlyList<AuditEntry>> ListAsync(int limit, CancellationToken cancellationToken = default);
}
