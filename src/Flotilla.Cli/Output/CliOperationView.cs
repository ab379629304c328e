using System.Globalization;
using Flotilla.Cli.Commands;
using Flotilla.Execution;
using Flotilla.Execution.Operations;
using Flotilla.Planning;

namespace Flotilla.Cli.Output;

/// <summary>
/// Renders an operation for a person: its notes as lines (reports on stdout, or on stderr with
/// <c>--json</c>, where stdout is the runs' JSON lines), each run with the live view on a
/// terminal, plain lines elsewhere, or JSON lines; and its refusals with what to do.
/// </summary>
internal sealed class CliOperationView(CliContext context, bool json) : IOperationView
{
    private TextWriter Report => json ? context.Error : context.Output;

    public void Note(OperationNote note)
    {
        ArgumentNullException.ThrowIfNull(note);
        switch (note)
        {
            case RunStarting starting when !json:
                context.Output.WriteLine(Header(starting));
                break;
            case RunResuming resuming:
                context.Error.WriteLine($"resuming run {resuming.RunId}: {resuming.Done.ToString(CultureInfo.InvariantCulture)} of {resuming.Total.ToString(CultureInfo.InvariantCulture)} steps are done");
                break;
            case LeaseWaiting waiting:
                context.Error.WriteLine($"{waiting.Operation}: waiting up to {waiting.Wait.TotalSeconds:0} s (--lock-wait): {waiting.Reason}");
                break;
            case PreflightChecked preflight:
                Preflight(preflight);
                break;
            case RebootNeedsRead needs:
                foreach (var host in needs.Hosts)
                {
                    var why = host.Recreated ? "needs a reboot (its new system is the boot default, not yet running: strategy recreate)"
                        : host.Needed ? $"needs a reboot ({host.Reason})"
                        : "no reboot needed";
                    Report.WriteLine($"{host.Host}: {why}");
                }

                if (needs.Hosts.All(h => !h.Needed))
                {
                    Report.WriteLine("no selected host needs a reboot; nothing to do");
                }

                break;
            case RebootSequenceEnded ended:
                RebootReport(ended.Summary);
                break;
            case DeployedHostsRebooting rebooting:
                Report.WriteLine(rebooting.Hosts.IsEmpty
                    ? "deploy --reboot: no host got a new boot system; nothing to reboot"
                    : $"deploy --reboot: rebooting {string.Join(", ", rebooting.Hosts)}");
                break;
            case FlakeUpdating updating:
                Report.WriteLine($"upgrade: nix flake update {updating.Flake}{(updating.Commit ? " (committing flake.lock)" : "")}");
                break;
            case FlakeUpdateOutput output:
                Report.WriteLine("  " + output.Line);
                break;
            case FlakeUpdated updated:
                Report.WriteLine(updated.Change switch
                {
                    FlakeLockChange.NoInputs => "upgrade: the flake has no inputs: nothing to update",
                    FlakeLockChange.Unchanged => "upgrade: flake.lock is unchanged: every input is at its latest",
                    _ => "upgrade: flake.lock updated" + (updated.Committed ? " and committed" : " (not committed; --commit commits it)"),
                });
                break;
            case LocalHostDeploying local:
                Report.WriteLine($"upgrade: deploying {local.Host} last: this orchestrator runs on it");
                break;
            case UpgradeReported reported:
                UpgradeReport(reported.Report);
                break;
            case RunRefused refused:
                Refusal(refused.Refusal);
                break;
        }
    }

    public async Task<RunSummary> WatchAsync(RunStarting run, Func<IRunObserver, Task<RunSummary>> execute)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(execute);
        if (json)
        {
            return await execute(new JsonLinesObserver(context.Output)).ConfigureAwait(false);
        }

        if (Terminal.Live(context) is { } console)
        {
            return await new LiveRunView(console, new RunProgress(run.LogPathOf), TimeProvider.System).ShowAsync(Header(run), execute).ConfigureAwait(false);
        }

        return await execute(new PlainProgressObserver(context.Output, run.LogPathOf)).ConfigureAwait(false);
    }

    /// <summary>Says why an operation did nothing, with what to do (stderr).</summary>
    public void Refusal(OperationRefusal refusal)
    {
        ArgumentNullException.ThrowIfNull(refusal);
        switch (refusal)
        {
            case InputInvalid invalid:
                InventoryCommands.Print(context, invalid.Diagnostics);
                break;
            case HostsBusy busy:
                context.Error.WriteLine($"{busy.Operation}: {busy.Reason}; nothing was done");
                break;
            case OutsideWindow closed:
                context.Error.WriteLine($"{closed.Operation}: outside the maintenance window {closed.Window}; nothing was done. The next window opens {closed.Window.Describe(closed.OpensAt)}");
                break;
            case RebootNeedUnreadable unreadable:
                foreach (var status in unreadable.Hosts)
                {
                    context.Error.WriteLine($"reboot: cannot tell whether {status.Host} needs a reboot: {status.Error}");
                }

                break;
            case NotAFlake notAFlake:
                context.Error.WriteLine($"{notAFlake.Operation}: {notAFlake.Path} is not a flake (no flake.nix): upgrade updates a flake's inputs and builds its nixosConfigurations; use deploy and reboot for other inventories");
                break;
            case FlakeUpdateFailed failed:
                context.Error.WriteLine($"{failed.Operation}: nix flake update failed (exit {failed.NixExitCode.ToString(CultureInfo.InvariantCulture)}); nothing was deployed:\n{failed.Error}");
                break;
            case UnknownLocalHost unknown:
                context.Error.WriteLine($"{unknown.Operation}: --local-host: the inventory has no host \"{unknown.Name}\"");
                break;
            case NotResumable other:
                context.Error.WriteLine($"{other.Operation}: run {other.RunId} is a {other.RecordedOperation}, not a {other.Operation}; a run resumes with its own operation's --resume (deploy and migrate runs do; flotilla runs show {other.RunId} shows it)");
                break;
            case LeasesUnavailable unavailable:
                context.Error.WriteLine($"{unavailable.Operation}: cannot take the lease on its hosts in {unavailable.Location}: {unavailable.Reason}; nothing was done");
                break;
            case PreflightFailed or InventoryUnusable:
                // Said already: by the pre-flight note, by the inventory's loader.
                break;
        }
    }

    private static string Header(RunStarting run) =>
        $"run {run.RunId}: {run.Verb} {run.Hosts.ToString(CultureInfo.InvariantCulture)} hosts (journal: {run.RunDirectory})";

    private void Preflight(PreflightChecked preflight)
    {
        foreach (var result in preflight.Results.Where(r => r.Passed))
        {
            Report.WriteLine($"pre-flight {result.Host}: ok ({result.Message})");
        }

        var failed = preflight.Results.Where(r => !r.Passed).ToList();
        foreach (var result in failed)
        {
            context.Error.WriteLine($"{preflight.Operation}: pre-flight failed on {result.Host}: {result.Message}");
        }

        if (failed.Count > 0)
        {
            context.Error.WriteLine($"{preflight.Operation}: aborted before anything was done: {failed.Count.ToString(CultureInfo.InvariantCulture)} host(s) failed the pre-flight checks (--no-preflight skips them)");
        }
    }

    /// <summary>Where every host of the sequence stands: rebooted and verified, failed (why), or not rebooted (why).</summary>
    private void RebootReport(RunSummary summary)
    {
        Report.WriteLine("reboot report:");
        foreach (var steps in summary.Steps.Where(s => s.Host is not null).GroupBy(s => s.Host!))
        {
            var reboot = steps.FirstOrDefault(s => s.Kind == StepKind.Reboot);
            var verify = steps.FirstOrDefault(s => s.Kind == StepKind.Verify);
            var failed = steps.FirstOrDefault(s => s.State is StepState.Failed or StepState.NeedsAttention or StepState.RolledBack);
            var line = failed is not null
                ? $"FAILED at {failed.Id}: {FirstLine(failed.Message)}"
                : verify?.State == StepState.Succeeded ? $"rebooted and verified ({FirstLine(reboot?.Message)})"
                : reboot?.State == StepState.Succeeded ? "rebooted, not verified"
                : $"not rebooted: {FirstLine(steps.FirstOrDefault(s => s.State == StepState.Skipped)?.Message) ?? "the run stopped first"}";
            Report.WriteLine($"  {steps.Key}: {line}");
        }
    }

    private void UpgradeReport(UpgradeReport report)
    {
        Report.WriteLine("upgrade report:");
        foreach (var host in report.Hosts)
        {
            var deploy = host.Deploy switch
            {
                UpgradeDeploy.Deployed => "deployed",
                UpgradeDeploy.Failed => "DEPLOY FAILED",
                _ => "not deployed",
            };
            var reboot = host.Reboot switch
            {
                UpgradeReboot.Rebooted => "rebooted",
                UpgradeReboot.NotNeededOrNotRebooted => "no reboot needed or not rebooted (see above)",
                UpgradeReboot.LocalNotNeeded => "no reboot needed (this orchestrator's host)",
                UpgradeReboot.LocalHeldBack => "NEEDS A REBOOT: not rebooted because something else failed; reboot it when ready",
                UpgradeReboot.LocalRebooting => "rebooting now, last (this orchestrator's host; not waited for)",
                _ => "not rebooted",
            };
            Report.WriteLine($"  {host.Host}: {deploy}; {reboot}");
        }

        Report.Flush();
    }

    private static string? FirstLine(string? text) => text?.Split('\n')[0];
}
