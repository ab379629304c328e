using Flotilla.ControlPlane.Store;
using Flotilla.Execution;
using Flotilla.Planning;
using Microsoft.Extensions.Logging;

namespace Flotilla.ControlPlane.Runs;

/// <summary>
/// Keeps the server's run journals in its database (SQLite or PostgreSQL) as well as in its state
/// directory's files, where the engine writes them: a run the server hosts when it starts and when
/// it ends, a pushed run when it arrives, and, when the server starts, every run the database
/// lacks or holds as unfinished while its files have ended. A run the database holds and the
/// state directory does not (a new machine or container with the same database) is written back
/// to the state directory then, so the runs page and <c>GET /api/runs</c> show it again. A
/// database that fails is logged; the run and its files are not affected. Thread safe.
/// </summary>
internal sealed partial class RunArchive(IControlPlaneStore store, ControlPlaneOptions options, ILogger<RunArchive> logger)
{
    private string StateDirectory => options.StateDirectory ?? RunJournal.DefaultStateDirectory();

    /// <summary>Saves the run's journal as its files hold it now.</summary>
    public async Task SaveAsync(string runId, CancellationToken cancellationToken)
    {
        try
        {
            Operation operation;
            DateTimeOffset started;
            bool finished;
            await using (var journal = await RunJournal.OpenAsync(StateDirectory, runId, cancellationToken).ConfigureAwait(false))
            {
                (operation, started, finished) = (journal.Info.Operation, journal.Info.Started, journal.Result is not null);
            }

            await SaveAsync(runId, operation, started, finished, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is System.Data.Common.DbException or IOException or RunJournalException or UnauthorizedAccessException)
        {
            LogSaveFailed(logger, runId, e);
        }
    }

    /// <summary>Brings the database and the state directory level (see the class).</summary>
    public async Task SyncAsync(CancellationToken cancellationToken)
    {
        try
        {
            var files = await RunJournal.ListAsync(StateDirectory, cancellationToken).ConfigureAwait(false);
            var kept = (await store.ListRunJournalsAsync(cancellationToken).ConfigureAwait(false)).ToDictionary(r => r.Id, StringComparer.Ordinal);
            foreach (var run in files.Where(r => !kept.TryGetValue(r.Id, out var copy) || (!copy.Finished && r.Finished is not null)))
            {
                await SaveAsync(run.Id, run.Operation, run.Started, run.Finished is not null, cancellationToken).ConfigureAwait(false);
            }

            var present = files.Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
            foreach (var id in kept.Keys.Where(id => !present.Contains(id) && !Directory.Exists(Path.Combine(RunJournal.RunsDirectory(StateDirectory), id))))
            {
                if (await store.GetRunJournalAsync(id, cancellationToken).ConfigureAwait(false) is { } journal)
                {
                    await RunJournal.ImportAsync(StateDirectory, id, journal, cancellationToken).ConfigureAwait(false);
                    LogRestored(logger, id, StateDirectory);
                }
            }
        }
        catch (Exception e) when (e is System.Data.Common.DbException or IOException or RunJournalException or UnauthorizedAccessException)
        {
            LogSyncFailed(logger, StateDirectory, e);
        }
    }

    private async Task SaveAsync(string runId, Operation operation, DateTimeOffset started, bool finished, CancellationToken cancellationToken)
    {
        var files = await RunJournal.ExportAsync(StateDirectory, runId, cancellationToken).ConfigureAwait(false);
        await store.SaveRunJournalAsync(new StoredRunJournal(runId, operation.ToName(), started, finished, files, options.TimeProvider.GetUtcNow()), cancellationToken).ConfigureAwait(false);
    }

    [LoggerMessage(EventId = 710, Level = LogLevel.Warning, Message = "Run {RunId}: its journal could not be saved in the database (its files keep it)")]
    private static partial void LogSaveFailed(ILogger logger, string runId, Exception exception);

    [LoggerMessage(EventId = 711, Level = LogLevel.Warning, Message = "The run journals in {StateDirectory} and the database could not be brought level")]
    private static partial void LogSyncFailed(ILogger logger, string stateDirectory, Exception exception);

    [LoggerMessage(EventId = 712, Level = LogLevel.Information, Message = "Run {RunId}: its journal was written back from the database to {StateDirectory}")]
    private static partial void LogRestored(ILogger logger, string runId, string stateDirectory);
}
