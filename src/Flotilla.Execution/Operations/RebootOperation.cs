using System.Collections.Immutable;
using System.Globalization;
using Flotilla.Execution.Operations.Internal;
using Flotilla.Inventory;
using Flotilla.Planning;

namespace Flotilla.Execution.Operations;

/// <summary>What a reboot sequence is asked to do. Immutable.</summary>
/// <param name="OnlyIfNeeded">Reboot only hosts whose booted kernel, initrd or modules differ from their current system's.</param>
public sealed record RebootRequest(Selection Selection, MaintenanceSettings Settings, bool OnlyIfNeeded)
{
    /// <summary>With <see cref="OnlyIfNeeded"/>: hosts that need the reboot anyway (a new system that only becomes active at the next boot).</summary>
    public ImmutableHashSet<string> Always { get; init; } = ImmutableHashSet<string>.Empty;

    /// <summary>The agents of the run's control plane (<c>--server</c>), or null: every host over SSH. A host reached through its agent is rebooted by it and read (its boot id) through it once its agent is back.</summary>
    public AgentTransport? Agents { get; init; }
}

/// <summary>
/// The reboot sequence: inside the window, under a lease on the whole fleet (the fleet lock), the
/// hosts that need it (with <c>--only-if-needed</c>), pre-flight checks, and the journaled reboot
/// plan, one host at a time, each verified before the next. Thread safe.
/// </summary>
public sealed class RebootOperation(OperationEnvironment environment)
{
    public const string Name = "reboot";

    /// <summary>Checks the window, takes the fleet's lease and runs the sequence.</summary>
    public async Task<RunOutcome> RunAsync(Fleet fleet, RebootRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        ArgumentNullException.ThrowIfNull(request);
        var (refused, held) = await EnterAsync(request.Settings, Name, cancellationToken).ConfigureAwait(false);
        if (refused is not null)
        {
            return RunOutcome.Refused(refused);
        }

        await using (held!.ConfigureAwait(false))
        {
            return await RebootAsync(fleet, request, held!, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Refuses outside the window (saying when it opens), then takes the run's lease on the whole fleet (the fleet lock).</summary>
    internal async Task<(OperationRefusal? Refused, HostLease? Lease)> EnterAsync(MaintenanceSettings settings, string operation, CancellationToken cancellationToken)
    {
        if (settings.Window is { } window && window.StateAt(environment.TimeProvider) is { IsOpen: false } closed)
        {
            return (new OutsideWindow(operation, window, closed.OpensAt!.Value), null);
        }

        var request = HostLeaseRequest.ForFleet(operation) with { Ttl = settings.Lease.Ttl, Wait = settings.Lease.Wait, TimeProvider = environment.TimeProvider };
        return await OperationRuns.TakeLeaseAsync(environment, request, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs the pre-flight checks and notes every result; a refusal when a host failed them (the run must not start).</summary>
    internal async Task<OperationRefusal?> PreflightAsync(Fleet fleet, IReadOnlyList<Host> hosts, PreflightLimits? limits, string operation, CancellationToken cancellationToken, DeployOptions? reach = null)
    {
        if (limits is null || hosts.Count == 0)
        {
            return null;
        }

        var results = (await new Preflight(reach).CheckAsync(fleet, hosts, limits, cancellationToken).ConfigureAwait(false)).ToImmutableArray();
        var checkedHosts = new PreflightChecked(operation, results);
        environment.View.Note(checkedHosts);
        return checkedHosts.Passed ? null : new PreflightFailed(operation, [.. results.Where(r => !r.Passed)]);
    }

    /// <summary>The sequence itself (the caller checked the window and holds <paramref name="lease"/> on the fleet).</summary>
    internal async Task<RunOutcome> RebootAsync(Fleet fleet, RebootRequest request, HostLease lease, CancellationToken cancellationToken)
    {
        var selection = request.Selection;
        // How hosts are reached (SSH, or their agents): the reads, the pre-flight, the reboots.
        var reach = new DeployOptions { Agents = request.Agents };
        if (request.OnlyIfNeeded)
        {
            var candidates = FleetSelector.Select(fleet, selection);
            if (!candidates.Succeeded)
            {
                return RunOutcome.Refused(new InputInvalid(Name, [.. candidates.Errors]));
            }

            var hostsToRead = candidates.Hosts.Select(name => fleet.FindHost(name)!).ToList();
            var statuses = await new HostStatusReader(reach).ReadAsync(fleet, hostsToRead, compareWithInventory: false, cancellationToken).ConfigureAwait(false);
            if (statuses.Where(s => s.Error is not null).ToImmutableArray() is { Length: > 0 } unreadable)
            {
                return RunOutcome.Refused(new RebootNeedUnreadable(Name, unreadable));
            }

            var needs = statuses.Select(s => new RebootNeed(s.Host, s.NeedsReboot || request.Always.Contains(s.Host), s.NeedsReboot ? s.RebootReason : null, !s.NeedsReboot && request.Always.Contains(s.Host))).ToImmutableArray();
            environment.View.Note(new RebootNeedsRead(Name, needs));
            var needed = needs.Where(n => n.Needed).Select(n => n.Host).ToImmutableArray();
            if (needed.IsEmpty)
            {
                return RunOutcome.Nothing;
            }

            selection = new Selection { On = needed };
        }

        var planned = Planner.Build(fleet, Operation.Reboot, selection);
        if (!planned.Succeeded)
        {
            return RunOutcome.Refused(new InputInvalid(Name, [.. planned.Errors]));
        }

        var hosts = planned.Plan.Steps.Select(s => s.Host).OfType<string>().Distinct().Select(n => fleet.FindHost(n)!).ToList();
        if (await PreflightAsync(fleet, hosts, request.Settings.Preflight, Name, cancellationToken, reach).ConfigureAwait(false) is { } failed)
        {
            return RunOutcome.Refused(failed);
        }

        var settings = request.Settings;
        var metadata = new RunMetadata(Operation.Reboot, fleet.SourcePath)
        {
            StartedBy = environment.StartedBy,
            Selection = OperationRuns.Describe(selection),
            Options = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, new Dictionary<string, string>
            {
                ["boot-timeout"] = settings.BootTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture) + "s",
                ["only-if-needed"] = request.OnlyIfNeeded ? "true" : "false",
                ["window"] = settings.Window?.ToString() ?? "",
            }),
        };
        await using var journal = await RunJournal.CreateAsync(environment.StateDirectory, planned.Plan, metadata, environment.TimeProvider, cancellationToken).ConfigureAwait(false);
        await lease.AttachRunAsync(journal.Id, cancellationToken).ConfigureAwait(false);
        var executor = environment.Executor ?? new RebootStepExecutor(new RebootOptions { BootTimeout = settings.BootTimeout, PollInterval = settings.PollInterval, Window = settings.Window, Deploy = reach });
        // One host at a time: the plan is a chain, and a failure must stop it.
        var summary = await OperationRuns.RunAsync(environment, Name, fleet, journal, executor, new SchedulerOptions { Parallel = 1, FailFast = true }, "rebooting", null, [], cancellationToken).ConfigureAwait(false);
        environment.View.Note(new RebootSequenceEnded(Name, summary));
        return RunOutcome.Ran(summary);
    }
}
