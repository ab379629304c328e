using System.Collections.Immutable;
using System.Text.Json;
using Flotilla.Execution.Internal;

namespace Flotilla.Execution;

/// <summary>
/// The leases of the runs started from one state directory: the file <c>fleet.lock</c> in it,
/// JSON <c>{"leases": [...]}</c>. Every read-modify-write (take, renew, release) holds an
/// exclusive <c>flock</c> of <c>fleet.lock.guard</c>, so checking for a conflict, breaking an
/// expired lease and writing one's own is one step that only one orchestrator makes; the new
/// content is written to a temporary file and renamed into place, so a reader (or a kill in the
/// middle) sees the old list or the new, never half. An unreadable file holds no lease that
/// counts, nor does a lease whose holder was a process of this machine that is gone (killed). The
/// file is removed with its last lease. Thread safe.
/// </summary>
public sealed class FileHostLeaseStore : IHostLeaseStore
{
    public const string FileName = "fleet.lock";

    private readonly TimeProvider time;

    public FileHostLeaseStore(string stateDirectory, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(stateDirectory);
        Path = PathIn(stateDirectory);
        time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The lease file.</summary>
    public string Path { get; }

    public string Location => Path;

    /// <summary>The lease file of a state directory.</summary>
    public static string PathIn(string stateDirectory) => System.IO.Path.Combine(System.IO.Path.GetFullPath(stateDirectory), FileName);

    public Task<HostLeaseHolder?> TryTakeAsync(HostLeaseHolder lease, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        return WithGuardAsync(() =>
        {
            var now = time.GetUtcNow();
            // Stale leases (expired: their holder stopped renewing; or held by a process of this
            // machine that is gone) are dropped: the guard makes them ours to break.
            var live = Read().Where(l => !l.IsStale(now) && l.Token != lease.Token).ToImmutableArray();
            if (live.FirstOrDefault(l => l.Overlaps(lease)) is { } holder)
            {
                return holder;
            }

            Write(live.Add(lease));
            return null;
        }, cancellationToken);
    }

    public async Task<bool> UpdateAsync(HostLeaseHolder lease, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        return await WithGuardAsync(() =>
        {
            var leases = Read();
            if (leases.FirstOrDefault(l => l.Token == lease.Token) is not { } held)
            {
                return (HostLeaseHolder?)null;
            }

            Write(leases.Replace(held, lease));
            return lease;
        }, cancellationToken).ConfigureAwait(false) is not null;
    }

    public Task ReleaseAsync(HostLeaseHolder lease, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        return WithGuardAsync(() =>
        {
            var leases = Read();
            var rest = leases.RemoveAll(l => l.Token == lease.Token);
            if (rest.Length == leases.Length)
            {
                return null;
            }

            if (rest.IsEmpty)
            {
                File.Delete(Path);
            }
            else
            {
                Write(rest);
            }

            return (HostLeaseHolder?)null;
        }, cancellationToken);
    }

    public Task<ImmutableArray<HostLeaseHolder>> ListAsync(CancellationToken cancellationToken = default) => Task.FromResult(Read());

    private ImmutableArray<HostLeaseHolder> Read()
    {
        try
        {
            var file = JsonSerializer.Deserialize(File.ReadAllText(Path), RunJsonContext.Default.HostLeaseFile);
            return file?.Leases.IsDefault == false ? file.Leases : [];
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    private void Write(ImmutableArray<HostLeaseHolder> leases)
    {
        var temporary = $"{Path}.{Guid.NewGuid():N}.tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(new HostLeaseFile(leases), RunJsonContext.Default.HostLeaseFile));
        File.Move(temporary, Path, overwrite: true);
    }

    /// <summary>Runs <paramref name="action"/> holding an exclusive flock of the guard file (.NET's FileShare.None is a flock on Linux).</summary>
    private async Task<HostLeaseHolder?> WithGuardAsync(Func<HostLeaseHolder?> action, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        for (var attempt = 0; ; attempt++)
        {
            FileStream guard;
            try
            {
                guard = new FileStream(Path + ".guard", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (attempt < 600)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50), time, cancellationToken).ConfigureAwait(false);
                continue;
            }

            await using (guard.ConfigureAwait(false))
            {
                return action();
            }
        }
    }
}

/// <summary>The content of <c>fleet.lock</c>.</summary>
internal sealed record HostLeaseFile(ImmutableArray<HostLeaseHolder> Leases);
