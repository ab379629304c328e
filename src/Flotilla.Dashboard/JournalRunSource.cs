using Flotilla.Execution;

namespace Flotilla.Dashboard;

/// <summary>Runs read from the journals in <c>STATE/runs/</c>, as <c>flotilla runs</c> reads them. Thread safe (reads files only).</summary>
public sealed class JournalRunSource(string stateDirectory) : IRunSource
{
    public string StateDirectory { get; } = stateDirectory;

    public async ValueTask<IReadOnlyList<RunListing>> ListAsync(CancellationToken cancellationToken = default) =>
        await RunJournal.ListAsync(StateDirectory, cancellationToken).ConfigureAwait(false);

    public async ValueTask<RunView?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        try
        {
            var journal = await RunJournal.OpenAsync(StateDirectory, id, cancellationToken).ConfigureAwait(false);
            await using (journal.ConfigureAwait(false))
            {
                return new RunView(journal.Info, journal.Plan, journal.Steps, journal.Result);
            }
        }
        catch (Exception e) when (e is RunJournalException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
