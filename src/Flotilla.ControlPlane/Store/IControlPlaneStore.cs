using Flotilla.Contracts;
using Flotilla.ControlPlane.Auth;

namespace Flotilla.ControlPlane.Store;

/// <summary>
/// Where the control plane keeps hosts, tokens (hashes only), commands and their output. Two
/// implementations with the same behaviour: SQLite and PostgreSQL. Thread safe.
/// </summary>
public interface IControlPlaneStore : IDashboardStore, IAsyncDisposable
{
    /// <summary>Creates or upgrades the schema; safe to call on every start.</summary>
    Task MigrateAsync(CancellationToken cancellationToken = default);

    /// <summary>Asks the database for its schema version: throws when it does not answer (for <c>/healthz</c>).</summary>
    Task PingAsync(CancellationToken cancellationToken = default);

    /// <summary>Adds a host with a token hash, or gives an existing host a new one. False when the host exists and <paramref name="replace"/> is false.</summary>
    Task<bool> SetHostTokenAsync(string name, string tokenHash, DateTimeOffset now, bool replace, CancellationToken cancellationToken = default);

    /// <summary>Adds a host without a token; nothing when it exists. (Enrolment gives a host its own token at once, with <see cref="SetHostTokenAsync"/>.)</summary>
    Task EnsureHostAsync(string name, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Removes the host's token: its agent can no longer connect. False when there is no such host.</summary>
    Task<bool> RevokeHostTokenAsync(string name, CancellationToken cancellationToken = default);

    Task<string?> FindHostByTokenHashAsync(string tokenHash, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<HostRecord>> ListHostsAsync(CancellationToken cancellationToken = default);

    /// <summary>Every host's name and token hash (null when revoked or enrolled): cheap, for selectors and revocation checks.</summary>
    Task<IReadOnlyDictionary<string, string?>> HostTokenHashesAsync(CancellationToken cancellationToken = default);

    /// <summary>False when an API token with that name exists.</summary>
    Task<bool> AddApiTokenAsync(string name, string tokenHash, DateTimeOffset now, ApiTokenScope scope = ApiTokenScope.Ops, CancellationToken cancellationToken = default);

    Task<bool> RevokeApiTokenAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>The API token with this hash (its name and scope), unless revoked.</summary>
    Task<ApiTokenRecord?> FindApiTokenAsync(string tokenHash, CancellationToken cancellationToken = default);

    Task InsertCommandsAsync(IReadOnlyList<CommandRecord> commands, CancellationToken cancellationToken = default);

    Task<CommandRecord?> GetCommandAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Commands, oldest first.</summary>
    Task<IReadOnlyList<CommandRecord>> ListCommandsAsync(CommandQuery query, CancellationToken cancellationToken = default);

    /// <summary>Output lines after <paramref name="afterLine"/>, in order.</summary>
    Task<IReadOnlyList<OutputLine>> ReadOutputAsync(string commandId, long afterLine = 0, int limit = 10_000, CancellationToken cancellationToken = default);

    /// <summary>
    /// A command's lines numbered (<see cref="OutputLine.Seq"/>) after <paramref name="afterSeq"/>
    /// and up to <paramref name="throughSeq"/>, past line <paramref name="afterLine"/>, in line order.
    /// </summary>
    Task<IReadOnlyList<OutputLine>> ReadOutputBetweenAsync(string commandId, long afterSeq, long throughSeq, long afterLine, int limit, CancellationToken cancellationToken = default);

    /// <summary>Keeps a run's journal in the database, in place of an earlier copy of the same run.</summary>
    Task SaveRunJournalAsync(StoredRunJournal journal, CancellationToken cancellationToken = default);

    /// <summary>Every kept run journal (without its files), oldest first.</summary>
    Task<IReadOnlyList<StoredRunSummary>> ListRunJournalsAsync(CancellationToken cancellationToken = default);

    /// <summary>A kept run journal's files (name to content), or null.</summary>
    Task<IReadOnlyDictionary<string, string>?> GetRunJournalAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Every run's lease on hosts the server keeps (each the engine's JSON of one lease), by token.</summary>
    Task<IReadOnlyDictionary<string, string>> ListHostLeasesAsync(CancellationToken cancellationToken = default);

    /// <summary>Keeps a lease (its JSON), in place of the one with the same token.</summary>
    Task SaveHostLeaseAsync(string token, string lease, CancellationToken cancellationToken = default);

    /// <summary>Replaces the kept lease with this token (a renewal); false, and nothing kept, when there is none (it expired and was dropped).</summary>
    Task<bool> UpdateHostLeaseAsync(string token, string lease, CancellationToken cancellationToken = default);

    /// <summary>Removes the lease with this token; false when there was none.</summary>
    Task<bool> DeleteHostLeaseAsync(string token, CancellationToken cancellationToken = default);

    /// <summary>The highest <see cref="OutputLine.Seq"/> stored (0 when there is no output).</summary>
    Task<long> MaxOutputSeqAsync(CancellationToken cancellationToken = default);

    /// <summary>How many bytes (UTF-8) of a command's output are stored.</summary>
    Task<long> OutputBytesAsync(string commandId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes a batch in one transaction (an output line already stored is left as it is) and
    /// returns the lines it stored and the transitions that took effect.
    /// </summary>
    Task<StoreApplied> ApplyAsync(StoreBatch batch, CancellationToken cancellationToken = default);
}
