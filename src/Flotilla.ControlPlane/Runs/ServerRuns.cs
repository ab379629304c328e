using System.Collections.Concurrent;
using System.Collections.Immutable;
using Flotilla.ControlPlane.Events;
using Flotilla.ControlPlane.Internal;
using Flotilla.ControlPlane.Store;
using Flotilla.Dashboard;
using Flotilla.Diagnostics;
using Flotilla.Execution;
using Flotilla.Execution.Operations;
using Flotilla.Inventory;
using Flotilla.Planning;
using Flotilla.Validation;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Flotilla.ControlPlane.Runs;

/// <summary>
/// The engine's operations hosted by <c>flotilla serve</c>: deploy, rollback and reboot runs of
/// the inventory (<c>serve -f</c>) started from the dashboard, journaled in serve's state
/// directory like the CLI's (the runs page, <c>GET /api/runs</c>, <c>flotilla runs --server</c>
/// show them), under leases on their hosts taken in the state directory's lease file and in the
/// server's database, so they exclude the CLI's runs on that directory and every <c>--server</c> run. Hosts are reached over SSH or, in process, through this
/// server's agents. Stopping the server cancels its runs (each ends, journaled); a run left
/// unfinished by a killed server is ended when the server starts again, its journal kept and
/// continued (<c>deploy --resume</c> takes it up). Thread safe.
/// </summary>
internal sealed partial class ServerRuns(
    ControlPlaneOptions options,
    CommandService commands,
    IControlPlaneStore store,
    FleetState fleet,
    ControlPlaneEvents events,
    RunArchive archive,
    StoreHostLeases leases,
    ILogger<ServerRuns> logger) : IRunLauncher, IHostedService
{
    private readonly ConcurrentDictionary<string, Hosted> _running = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private Task _syncing = Task.CompletedTask;

    private string StateDirectory => options.StateDirectory ?? RunJournal.DefaultStateDirectory();

    public string? Unavailable => options.Inventory is null
        ? "runs are started from the dashboard when flotilla serve is given the fleet's inventory (serve -f FILE)"
        : null;

    public bool IsRunning(string runId) => _running.ContainsKey(runId);

    public async ValueTask<RunPreview> PreviewAsync(RunLaunch launch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(launch);
        var (loaded, problems) = await LoadAsync(cancellationToken).ConfigureAwait(false);
        if (loaded is null)
        {
            return new RunPreview(null, problems);
        }

        var planned = Planner.Build(loaded, OperationOf(launch.Operation), launch.Selection);
        return planned.Succeeded ? new RunPreview(planned.Plan, []) : new RunPreview(null, [.. planned.Errors.Select(d => d.ToString())]);
    }

    public async ValueTask<RunLaunchOutcome> StartAsync(RunLaunch launch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(launch);
        if (Unavailable is { } unavailable)
        {
            return new RunLaunchOutcome(null, unavailable);
        }

        var (loaded, problems) = await LoadAsync(cancellationToken).ConfigureAwait(false);
        if (loaded is null)
        {
            return new RunLaunchOutcome(null, string.Join("; ", problems));
        }

        var startedBy = $"{launch.RequestedBy} ({launch.Via})";
        var agents = await AgentTransport.ConnectAsync(new ServerAgentCommands(commands, store, fleet, events, options) { RequestedBy = startedBy }, cancellationToken).ConfigureAwait(false);
        var view = new LaunchView();
        // Its leases in the state directory's file (the CLI's runs there) and the database (every --server run).
        var local = OperationEnvironment.ForStateDirectory(StateDirectory, view, options.TimeProvider);
        var environment = local with { StartedBy = startedBy, Leases = new BothHostLeaseStores(local.Leases, leases) };
        var cancel = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        var settings = options.Runs;
        // The run goes on after this request: it belongs to the server, not to the page that asked.
        var run = Task.Run(
            () => launch.Operation switch
            {
                RunOperation.Deploy => new DeployOperation(environment).RunAsync(
                    loaded,
                    new DeployRequest(
                        launch.Selection,
                        new DeployOptions
                        {
                            ConfirmTimeout = settings.ConfirmTimeout,
                            Substituters = settings.Substituters,
                            CacheKeyFile = settings.CacheKeyFile,
                            Agents = agents,
                            TimeProvider = options.TimeProvider,
                        },
                        new SchedulerOptions { Parallel = settings.Parallel }),
                    cancel.Token),
                RunOperation.Rollback => new RollbackOperation(environment).RunAsync(
                    loaded,
                    new RollbackRequest(launch.Selection, settings.ConfirmTimeout, settings.Parallel) { Agents = agents },
                    cancel.Token),
                _ => new RebootOperation(environment).RunAsync(
                    loaded,
                    new RebootRequest(launch.Selection, new MaintenanceSettings(null, LeaseSettings.Default, new PreflightLimits(), TimeSpan.FromMinutes(10), TimeSpan.FromSeconds(2)), OnlyIfNeeded: false) { Agents = agents },
                    cancel.Token),
            },
            CancellationToken.None);
        await Task.WhenAny(view.Started, run).ConfigureAwait(false);
        if (!view.Started.IsCompletedSuccessfully)
        {
            // It ended before its journal existed: refused, or nothing to do.
            RunOutcome outcome;
            try
            {
                outcome = await run.ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                LogRunFailed(logger, launch.Operation.ToString(), e);
                return new RunLaunchOutcome(null, "the run could not start: " + e.Message);
            }
            finally
            {
                cancel.Dispose();
            }

            return new RunLaunchOutcome(null, outcome.Refusal is { } refusal ? Describe(refusal) : "nothing to do: no host of the selection needs it");
        }

        var id = await view.Started.ConfigureAwait(false);
        _running[id] = new Hosted(cancel, run);
        LogRunStarted(logger, id, launch.Operation.ToString(), startedBy);
        await archive.SaveAsync(id, cancellationToken).ConfigureAwait(false);
        _ = FinishAsync(id, run, cancel);
        return new RunLaunchOutcome(id, null);
    }

    public ValueTask<bool> CancelAsync(string runId, CancellationToken cancellationToken = default)
    {
        if (!_running.TryGetValue(runId, out var hosted))
        {
            return ValueTask.FromResult(false);
        }

        LogRunCancelled(logger, runId);
        hosted.Cancel.Cancel();
        return ValueTask.FromResult(true);
    }

    /// <summary>Ends what a killed server left running: its runs' journals get their end (see <see cref="RunJournal.EndInterruptedAsync"/>).</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<RunListing> listed;
        try
        {
            listed = await RunJournal.ListAsync(StateDirectory, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogStateUnreadable(logger, StateDirectory, e);
            listed = [];
        }

        foreach (var run in listed.Where(r => r.Status == RunStatus.Unfinished))
        {
            try
            {
                await using var journal = await RunJournal.OpenAsync(StateDirectory, run.Id, cancellationToken).ConfigureAwait(false);
                if (journal.Info.StartedBy is null)
                {
                    // A CLI's run (pushed, or in a shared state directory): it may still be running in its own process; deploy --resume is its owner's.
                    continue;
                }

                if (await journal.EndInterruptedAsync(
                    "flotilla serve stopped while the run went on (a host whose activation was not confirmed goes back by its watchdog); flotilla deploy --resume " + run.Id + " continues it",
                    options.TimeProvider,
                    cancellationToken).ConfigureAwait(false))
                {
                    LogRunEnded(logger, run.Id);
                }
            }
            catch (RunJournalException e)
            {
                LogStateUnreadable(logger, StateDirectory, e);
            }
        }

        // Bringing the database level may copy many journals: it goes on after the server started.
        _syncing = Task.Run(() => archive.SyncAsync(_stopping.Token), CancellationToken.None);
    }

    /// <summary>Cancels every run it hosts and waits for each to end (journaled).</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll([_syncing, .. _running.Values.Select(h => h.Run)]).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Logged by FinishAsync; the server stops either way.
        }
    }

    private async Task FinishAsync(string id, Task<RunOutcome> run, CancellationTokenSource cancel)
    {
        try
        {
            var outcome = await run.ConfigureAwait(false);
            LogRunFinished(logger, id, outcome.ExitCode);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogRunFailed(logger, id, e);
        }
        finally
        {
            await archive.SaveAsync(id, CancellationToken.None).ConfigureAwait(false);
            _running.TryRemove(id, out _);
            cancel.Dispose();
        }
    }

    private async Task<(Fleet? Fleet, ImmutableArray<string> Problems)> LoadAsync(CancellationToken cancellationToken)
    {
        try
        {
            var loaded = await InventoryLoader.LoadAsync(options.Inventory, Environment.CurrentDirectory, cancellationToken).ConfigureAwait(false);
            var errors = FleetValidator.Validate(loaded).Where(d => d.IsError).Select(d => d.ToString()).ToImmutableArray();
            return errors.IsEmpty ? (loaded, []) : (null, errors);
        }
        catch (InventoryException e)
        {
            return (null, [.. e.Diagnostics.Select(d => d.ToString())]);
        }
    }

    private static Operation OperationOf(RunOperation operation) => operation switch
    {
        RunOperation.Deploy => Operation.Deploy,
        RunOperation.Rollback => Operation.Rollback,
        _ => Operation.Reboot,
    };

    private static string Describe(OperationRefusal refusal) => refusal switch
    {
        InputInvalid invalid => string.Join("; ", invalid.Diagnostics.Select(d => d.ToString())),
        HostsBusy busy => busy.Reason + "; nothing was done",
        PreflightFailed preflight => "pre-flight checks failed: " + string.Join("; ", preflight.Failed.Select(f => $"{f.Host}: {f.Message}")) + "; nothing was done",
        OutsideWindow closed => $"outside the maintenance window {closed.Window}; nothing was done",
        LeasesUnavailable unavailable => $"cannot take the lease on its hosts in {unavailable.Location}: {unavailable.Reason}; nothing was done",
        _ => $"{refusal.Operation} refused ({refusal.GetType().Name}); nothing was done",
    };

    private sealed record Hosted(CancellationTokenSource Cancel, Task<RunOutcome> Run);

    /// <summary>Learns the run's id when its journal exists; otherwise an <see cref="ObserverView"/> (it keeps the notes).</summary>
    private sealed class LaunchView : IOperationView
    {
        private readonly TaskCompletionSource<string> _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly ObserverView _view = new();

        public Task<string> Started => _started.Task;

        public void Note(OperationNote note)
        {
            if (note is RunStarting starting)
            {
                _started.TrySetResult(starting.RunId);
            }

            _view.Note(note);
        }

        public Task<RunSummary> WatchAsync(RunStarting run, Func<IRunObserver, Task<RunSummary>> execute)
        {
            ArgumentNullException.ThrowIfNull(run);
            _started.TrySetResult(run.RunId);
            return _view.WatchAsync(run, execute);
        }
    }

    [LoggerMessage(EventId = 700, Level = LogLevel.Information, Message = "Run {RunId}: {Operation} started by {StartedBy}")]
    private static partial void LogRunStarted(ILogger logger, string runId, string operation, string startedBy);

    [LoggerMessage(EventId = 701, Level = LogLevel.Information, Message = "Run {RunId} ended with exit code {ExitCode}")]
    private static partial void LogRunFinished(ILogger logger, string runId, int exitCode);

    [LoggerMessage(EventId = 702, Level = LogLevel.Error, Message = "Run {RunId} failed")]
    private static partial void LogRunFailed(ILogger logger, string runId, Exception exception);

    [LoggerMessage(EventId = 703, Level = LogLevel.Information, Message = "Run {RunId}: cancel asked")]
    private static partial void LogRunCancelled(ILogger logger, string runId);

    [LoggerMessage(EventId = 704, Level = LogLevel.Warning, Message = "Run {RunId} was left unfinished by a server that stopped: ended, its journal kept")]
    private static partial void LogRunEnded(ILogger logger, string runId);

    [LoggerMessage(EventId = 705, Level = LogLevel.Warning, Message = "Cannot read the run journals in {StateDirectory}")]
    private static partial void LogStateUnreadable(ILogger logger, string stateDirectory, Exception exception);
}
