namespace Flotilla.Dashboard.Internal;

/// <summary>
/// The one way a logged-in person starts or cancels a run: starting one changes hosts, so it
/// takes a fresh second factor (as a reboot command does); every attempt is audited.
/// </summary>
internal sealed class RunStarter(IRunLauncher launcher, LoginService login, IAuditLog audit, TimeProvider time)
{
    public async Task<RunLaunchOutcome> StartAsync(RunLaunch launch, string? secondFactor, string client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(launch);
        var what = Describe(launch);
        var stepUp = await login.StepUpAsync(launch.RequestedBy, secondFactor, what, client, cancellationToken).ConfigureAwait(false);
        if (!stepUp.Succeeded)
        {
            return new RunLaunchOutcome(null, stepUp.Reason == "locked out"
                ? "Too many wrong codes: wait a few minutes."
                : "Starting a run needs a fresh code from your authenticator app (a code works once).");
        }

        var outcome = await launcher.StartAsync(launch, cancellationToken).ConfigureAwait(false);
        await audit.AppendAsync(
            new AuditEntry(time.GetUtcNow(), launch.RequestedBy, AuditActions.RunStart, outcome.RunId ?? "-", what, outcome.RunId is null ? "refused: " + outcome.Problem : "started", client),
            cancellationToken).ConfigureAwait(false);
        return outcome;
    }

    public async Task<bool> CancelAsync(string user, string runId, string client, CancellationToken cancellationToken)
    {
        var cancelled = await launcher.CancelAsync(runId, cancellationToken).ConfigureAwait(false);
        await audit.AppendAsync(new AuditEntry(time.GetUtcNow(), user, AuditActions.RunCancel, runId, null, cancelled ? "ok" : "not running", client), cancellationToken).ConfigureAwait(false);
        return cancelled;
    }

    /// <summary><c>deploy @web --service vaultwarden</c>, as the audit log and the step-up name it.</summary>
    public static string Describe(RunLaunch launch)
    {
        ArgumentNullException.ThrowIfNull(launch);
        var words = new List<string> { launch.Operation.ToString().ToLowerInvariant() };
        words.AddRange(launch.Selection.On);
        words.AddRange(launch.Selection.Services.Select(s => "--service " + s));
        if (launch.Selection.WithDependents)
        {
            words.Add("--with-dependents");
        }

        return string.Join(' ', words);
    }
}
