using System.Collections.Immutable;
using System.Globalization;
using Flotilla.Execution;
using Flotilla.Inventory;
using Flotilla.Planning;

namespace Flotilla.Cli.Commands;

/// <summary>What a reboot sequence was asked to do.</summary>
/// <param name="Always">With <paramref name="OnlyIfNeeded"/>: hosts that need the reboot anyway (a new system that only becomes active at the next boot).</param>
internal sealed record RebootRequest(Selection Selection, MaintenanceSettings Settings, bool OnlyIfNeeded, bool Json, string StateDirectory)
{
    public ImmutableHashSet<string> Always { get; init; } = ImmutableHashSet<string>.Empty;
}

/// <summary>
/// The reboot sequence, callable from <c>reboot</c>, <c>deploy --reboot</c> and <c>upgrade</c>:
/// the window and the lease on the whole fleet (<see cref="EnterAsync"/>), then hosts that need it (with
/// <c>--only-if-needed</c>), pre-flight, and the journaled reboot plan, one host at a time, with a
/// report of where every host stands.
/// </summary>
internal static class RebootRunner
{
    /// <summary>
    /// Refuses outside the window (saying when it opens) and takes the run's lease on the whole
    /// fleet (the fleet lock); a non-null code means refused.
    /// </summary>
    public static async Task<(int? Refused, HostLease? Lease)> EnterAsync(CliContext context, MaintenanceSettings settings, string stateDirectory, string operation, CancellationToken cancellationToken)
    {
        if (settings.Window is { } window && window.StateAt(TimeProvider.System) is { IsOpen: false } closed)
        {
            await context.Error.WriteLineAsync($"{operation}: outside the maintenance window {window}; nothing was done. The next window opens {window.Describe(closed.OpensAt!.Value)}").ConfigureAwait(false);
            return (ExitCodes.Failed, null);
        }

        var request = HostLeaseRequest.ForFleet(operation) with { Ttl = settings.Lease.Ttl, Wait = settings.Lease.Wait };
        return await RunLeases.TakeAsync(context, stateDirectory, request, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs the pre-flight checks; prints each failing host's reasons. False: the run must not start.</summary>
    public static async Task<bool> PreflightAsync(CliContext context, Fleet fleet, IReadOnlyList<Host> hosts, PreflightLimits? limits, string operation, bool json, CancellationToken cancellationToken)
    {
        if (limits is null || hosts.Count == 0)
        {
            return true;
        }

        var results = await new Preflight().CheckAsync(fleet, hosts, limits, cancellationToken).ConfigureAwait(false);
        var report = json ? context.Error : context.Output;
        foreach (var result in results.Where(r => r.Passed))
        {
            await report.WriteLineAsync($"pre-flight {result.Host}: ok ({result.Message})").ConfigureAwait(false);
        }

        var failed = results.Where(r => !r.Passed).ToList();
        foreach (var result in failed)
        {
            await context.Error.WriteLineAsync($"{operation}: pre-flight failed on {result.Host}: {result.Message}").ConfigureAwait(false);
        }

        if (failed.Count > 0)
        {
            await context.Error.WriteLineAsync($"{operation}: aborted before anything was done: {failed.Count.ToString(CultureInfo.InvariantCulture)} host(s) failed the pre-flight checks (--no-preflight skips them)").ConfigureAwait(false);
        }

        return failed.Count == 0;
    }

    /// <summary>The reboot sequence (the caller checked the window and holds <paramref name="lease"/> on the fleet). The summary is null when nothing ran.</summary>
    public static async Task<(int ExitCode, RunSummary? Summary)> RebootAsync(CliContext context, Fleet fleet, RebootRequest request, HostLease lease, CancellationToken cancellationToken)
    {
        var report = request.Json ? context.Error : context.Output;
        var selection = request.Selection;
        if (request.OnlyIfNeeded)
        {
            var candidates = InventoryCommands.Select(context, fleet, selection);
            if (candidates is null)
            {
                return (ExitCodes.InvalidInput, null);
            }

            var statuses = await new HostStatusReader().ReadAsync(fleet, candidates, compareWithInventory: false, cancellationToken).ConfigureAwait(false);
            if (statuses.Where(s => s.Error is not null).ToList() is { Count: > 0 } unreadable)
            {
                foreach (var status in unreadable)
                {
                    await context.Error.WriteLineAsync($"reboot: cannot tell whether {status.Host} needs a reboot: {status.Error}").ConfigureAwait(false);
                }

                return (ExitCodes.Failed, null);
            }

            var needed = statuses.Where(s => s.NeedsReboot || request.Always.Contains(s.Host)).Select(s => s.Host).ToImmutableArray();
            foreach (var status in statuses)
            {
                var why = status.NeedsReboot ? $"needs a reboot ({status.RebootReason})"
                    : request.Always.Contains(status.Host) ? "needs a reboot (its new system is the boot default, not yet running: strategy recreate)"
                    : "no reboot needed";
                await report.WriteLineAsync($"{status.Host}: {why}").ConfigureAwait(false);
            }

            if (needed.IsEmpty)
            {
                await report.WriteLineAsync("no selected host needs a reboot; nothing to do").ConfigureAwait(false);
                return (ExitCodes.Success, null);
            }

            selection = new Selection { On = needed };
        }

        var planned = Planner.Build(fleet, Operation.Reboot, selection);
        if (!planned.Succeeded)
        {
            InventoryCommands.Print(context, planned.Errors);
            return (ExitCodes.InvalidInput, null);
        }

        var hosts = planned.Plan.Steps.Select(s => s.Host).OfType<string>().Distinct().Select(n => fleet.FindHost(n)!).ToList();
        if (!await PreflightAsync(context, fleet, hosts, request.Settings.Preflight, "reboot", request.Json, cancellationToken).ConfigureAwait(false))
        {
            return (ExitCodes.Failed, null);
        }

        var settings = request.Settings;
        var metadata = new RunMetadata("reboot", fleet.SourcePath)
        {
            Selection = DeployRunner.Describe(selection),
            Options = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, new Dictionary<string, string>
            {
                ["boot-timeout"] = settings.BootTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture) + "s",
                ["only-if-needed"] = request.OnlyIfNeeded ? "true" : "false",
                ["window"] = settings.Window?.ToString() ?? "",
            }),
        };
        await using var journal = await RunJournal.CreateAsync(request.StateDirectory, planned.Plan, metadata, cancellationToken: cancellationToken).ConfigureAwait(false);
        await lease.AttachRunAsync(journal.Id, cancellationToken).ConfigureAwait(false);
        var executor = new RebootStepExecutor(new RebootOptions { BootTimeout = settings.BootTimeout, PollInterval = settings.PollInterval, Window = settings.Window });
        // One host at a time: the plan is a chain, and a failure must stop it.
        var summary = await PlanRunner.RunToSummaryAsync(context, fleet, journal, executor, new SchedulerOptions { Parallel = 1, FailFast = true }, request.Json, "rebooting", null, [], cancellationToken).ConfigureAwait(false);
        await PrintReportAsync(report, summary).ConfigureAwait(false);
        return (summary.ExitCode, summary);
    }

    /// <summary>Where every host of the sequence stands: rebooted and verified, failed (why), or not rebooted (why).</summary>
    private static async Task PrintReportAsync(TextWriter report, RunSummary summary)
    {
        await report.WriteLineAsync("reboot report:").ConfigureAwait(false);
        foreach (var steps in summary.Steps.Where(s => s.Host is not null).GroupBy(s => s.Host!))
        {
            var reboot = steps.FirstOrDefault(s => s.Kind == StepKinds.Reboot);
            var verify = steps.FirstOrDefault(s => s.Kind == StepKinds.Verify);
            var failed = steps.FirstOrDefault(s => s.State is StepState.Failed or StepState.NeedsAttention or StepState.RolledBack);
            var line = failed is not null
                ? $"FAILED at {failed.Id}: {FirstLine(failed.Message)}"
                : verify?.State == StepState.Succeeded ? $"rebooted and verified ({FirstLine(reboot?.Message)})"
                : reboot?.State == StepState.Succeeded ? "rebooted, not verified"
                : $"not rebooted: {FirstLine(steps.FirstOrDefault(s => s.State == StepState.Skipped)?.Message) ?? "the run stopped first"}";
            await report.WriteLineAsync($"  {steps.Key}: {line}").ConfigureAwait(false);
        }
    }

    private static string? FirstLine(string? text) => text?.Split('\n')[0];
}
