using System.Globalization;
using System.Text.Json;
using Flotilla.Inventory;

namespace Flotilla.Execution.Internal.Backups;

/// <summary>
/// restic on the service's host: the repository (made when it does not exist yet) and the password
/// file in restic's own variables, snapshots tagged <c>flotilla</c> and <c>service=NAME</c>,
/// verified ones tagged <c>verified</c>, retention by <c>restic forget --prune</c> over the
/// service's verified snapshots.
/// </summary>
internal sealed class ResticTool : IBackupTool
{
    public static readonly ResticTool Instance = new();

    private const string Restic = """
        export RESTIC_REPOSITORY="$1" RESTIC_PASSWORD_FILE="$2"
        shift 2
        """;

    // $1 repository, $2 password file, $3 service tag, then restic backup's arguments.
    private const string BackupScript = Restic + "\n" + """
        tag=$1
        shift
        restic cat config >/dev/null 2>&1 || restic init >/dev/null || exit 1
        exec restic backup --json --tag flotilla --tag "$tag" "$@"
        """;

    // $1 repository, $2 password file, $3 snapshot, $4 scratch directory: restic check, then one
    // file of the snapshot restored and its size compared with the snapshot's record of it.
    private const string VerifyScript = Restic + "\n" + """
        snapshot=$1 scratch=$2
        restic check >/dev/null || { echo "restic check failed"; exit 1; }
        line=$(restic ls --json "$snapshot" | grep '"type":"file"' | head -n 1)
        [ -n "$line" ] || { echo "verified: the snapshot holds no file to restore"; exit 0; }
        path=$(printf '%s' "$line" | sed 's/.*"path":"\([^"]*\)".*/\1/')
        size=$(printf '%s' "$line" | sed 's/.*"size":\([0-9]*\).*/\1/')
        rm -rf "$scratch"
        trap 'rm -rf "$scratch"' EXIT
        restic restore "$snapshot" --target "$scratch" --include "$path" >/dev/null || { echo "the test restore of $path failed"; exit 1; }
        got=$(stat -c %s "$scratch$path" 2>/dev/null)
        [ "$got" = "$size" ] || { echo "the test restore of $path has $got bytes, not $size"; exit 1; }
        echo "verified: restic check passed and $path ($size bytes) restored"
        """;

    // $1 repository, $2 password file, $3 snapshot.
    private const string MarkScript = Restic + "\n" + """
        exec restic tag --add verified "$1" >/dev/null
        """;

    // $1 repository, $2 password file, $3 service tag, then --keep-* arguments.
    private const string ForgetScript = Restic + "\n" + """
        tag=$1
        shift
        exec restic forget --json --prune --tag "$tag,verified" "$@"
        """;

    // $1 repository, $2 password file, $3 snapshot, then the paths (moved aside already).
    private const string RestoreScript = Restic + "\n" + """
        snapshot=$1
        shift
        for path; do
          restic restore "$snapshot" --target / --include "$path" >/dev/null || { echo "restic restore of $path from $snapshot failed"; exit 1; }
          [ -e "$path" ] || mkdir -p -- "$path"
        done
        """;

    // $1 repository, $2 password file, $3 target directory, $4 snapshot.
    private const string RestoreToScript = Restic + "\n" + """
        exec restic restore "$2" --target "$1"
        """;

    private const string SnapshotsScript = Restic + "\n" + """
        exec restic snapshots --json --tag "$1"
        """;

    // $1 repository, $2 password file, then snapshot ids: one line each, the id and restic stats'
    // JSON (restore-size: the bytes a restore of it writes). restic before 0.17 has no summary in
    // its snapshots' JSON, so this is where a snapshot's size comes from there.
    private const string StatsScript = Restic + "\n" + """
        for id; do
          stats=$(restic stats --json "$id" 2>/dev/null | tail -n 1)
          printf '%s %s\n' "$id" "$stats"
        done
        """;

    public string Name => "restic";

    public string? Problem(BackupSpec backup) =>
        backup.Repository is null ? "its backup names no repository: set backup.repository (a path or a restic repository URL on its host)"
        : backup.Paths.IsEmpty ? "its backup names no paths: set backup.paths"
        : null;

    public async Task<ToolOutcome> BackupAsync(BackupSession session, CancellationToken cancellationToken)
    {
        var backup = session.Backup;
        var made = await session.RunAsync(BackupScript, [.. Repository(session), Tag(session), .. backup.Exclude.Select(e => "--exclude=" + e), "--", .. backup.Paths], false, cancellationToken).ConfigureAwait(false);
        var snapshot = made.Succeeded ? SnapshotOf(made.Output) : null;
        return snapshot is null ? ToolOutcome.Failed($"restic backup failed (exit {made.ExitCode}): {made.Tail(3)}") : ToolOutcome.Ok(snapshot);
    }

    public async Task<ToolOutcome> VerifyAsync(BackupSession session, string snapshot, string scratch, CancellationToken cancellationToken)
    {
        var verified = await session.RunAsync(VerifyScript, [.. Repository(session), snapshot, scratch], true, cancellationToken).ConfigureAwait(false);
        return verified.Succeeded ? ToolOutcome.Ok(snapshot, verified.Tail(1)) : ToolOutcome.Failed(verified.Tail(2));
    }

    public async Task<ToolOutcome> MarkVerifiedAsync(BackupSession session, string snapshot, CancellationToken cancellationToken)
    {
        var tagged = await session.RunAsync(MarkScript, [.. Repository(session), snapshot], true, cancellationToken).ConfigureAwait(false);
        return tagged.Succeeded ? ToolOutcome.Ok(snapshot) : ToolOutcome.Failed($"restic tag --add verified failed (exit {tagged.ExitCode}): {tagged.Tail(2)}");
    }

    public async Task<IReadOnlyList<BackupSnapshot>?> ListAsync(BackupSession session, CancellationToken cancellationToken)
    {
        var result = await session.RunAsync(SnapshotsScript, [.. Repository(session), Tag(session)], false, cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded || result.Output.IndexOf('[', StringComparison.Ordinal) is var start && start < 0)
        {
            return null;
        }

        var snapshots = Snapshots(session.Service, result.Output[start..]);
        var unsized = snapshots.Where(s => s.Size is null).Select(s => s.Id).ToList();
        if (unsized.Count == 0)
        {
            return snapshots;
        }

        var stats = await session.RunAsync(StatsScript, [.. Repository(session), .. unsized], false, cancellationToken).ConfigureAwait(false);
        var sizes = Sizes(stats.Output);
        return [.. snapshots.Select(s => s.Size is null && sizes.TryGetValue(s.Id, out var size) ? s with { Size = size } : s)];
    }

    public async Task<(int Removed, string? Failure)> ApplyRetentionAsync(BackupSession session, CancellationToken cancellationToken)
    {
        var forgot = await session.RunAsync(ForgetScript, [.. Repository(session), Tag(session), .. Keep(session.Backup)], false, cancellationToken).ConfigureAwait(false);
        return forgot.Succeeded ? (Removed(forgot.Output), null) : (0, $"applying retention failed (exit {forgot.ExitCode}): {forgot.Tail(2)}");
    }

    public async Task<ToolOutcome> RestoreAsync(BackupSession session, string snapshot, CancellationToken cancellationToken)
    {
        var restored = await session.RunAsync(RestoreScript, [.. Repository(session), snapshot, .. session.Backup.Paths], true, cancellationToken).ConfigureAwait(false);
        return restored.Succeeded ? ToolOutcome.Ok(snapshot) : ToolOutcome.Failed($"the restore failed (exit {restored.ExitCode}): {restored.Tail(2)}");
    }

    public async Task<ToolOutcome> RestoreToAsync(BackupSession session, string snapshot, string target, CancellationToken cancellationToken)
    {
        var copied = await session.RunAsync(RestoreToScript, [.. Repository(session), target, snapshot], true, cancellationToken).ConfigureAwait(false);
        return copied.Succeeded ? ToolOutcome.Ok(snapshot) : ToolOutcome.Failed($"restic restore into {target} failed (exit {copied.ExitCode}): {copied.Tail(2)}");
    }

    private static string[] Repository(BackupSession session) => [session.Backup.Repository!, session.PasswordFile];

    private static string Tag(BackupSession session) => "service=" + session.Service.Name;

    private static List<string> Keep(BackupSpec backup)
    {
        var keep = new List<string>();
        foreach (var (flag, count) in new[] { ("--keep-daily", backup.KeepDaily), ("--keep-weekly", backup.KeepWeekly), ("--keep-monthly", backup.KeepMonthly) })
        {
            if (count is { } n)
            {
                keep.Add(flag);
                keep.Add(n.ToString(CultureInfo.InvariantCulture));
            }
        }

        return keep;
    }

    /// <summary>restic snapshots --json: each snapshot, its size from its summary when restic has one (0.17 and later).</summary>
    internal static List<BackupSnapshot> Snapshots(Service service, string json)
    {
        using var document = JsonDocument.Parse(json);
        var snapshots = new List<BackupSnapshot>();
        foreach (var item in document.RootElement.EnumerateArray())
        {
            var tags = item.TryGetProperty("tags", out var t) ? t.EnumerateArray().Select(e => e.GetString()).ToList() : [];
            long? size = item.TryGetProperty("summary", out var summary) && summary.TryGetProperty("total_bytes_processed", out var bytes) && bytes.TryGetInt64(out var total) ? total : null;
            snapshots.Add(new BackupSnapshot(
                service.Host,
                service.Name,
                item.GetProperty("short_id").GetString()!,
                DateTimeOffset.Parse(item.GetProperty("time").GetString()!, CultureInfo.InvariantCulture),
                tags.Contains("verified"),
                [.. item.GetProperty("paths").EnumerateArray().Select(p => p.GetString()!)])
            { Size = size });
        }

        return snapshots;
    }

    /// <summary>The stats script's lines: snapshot id, then restic stats --json's total_size.</summary>
    internal static Dictionary<string, long> Sizes(string output)
    {
        var sizes = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            if (space <= 0 || line.IndexOf('{', space) is var brace && brace < 0)
            {
                continue;
            }

            try
            {
                using var json = JsonDocument.Parse(line[brace..]);
                if (json.RootElement.TryGetProperty("total_size", out var size) && size.TryGetInt64(out var bytes))
                {
                    sizes[line[..space]] = bytes;
                }
            }
            catch (JsonException)
            {
                // A line restic did not finish: that snapshot's size stays unknown.
            }
        }

        return sizes;
    }

    /// <summary>restic backup --json's summary line: its snapshot id.</summary>
    internal static string? SnapshotOf(string output)
    {
        foreach (var line in output.Split('\n').Reverse())
        {
            if (line.Contains("\"message_type\":\"summary\"", StringComparison.Ordinal))
            {
                using var json = JsonDocument.Parse(line);
                return json.RootElement.TryGetProperty("snapshot_id", out var id) ? id.GetString()?[..8] : null;
            }
        }

        return null;
    }

    /// <summary>restic forget --json: how many snapshots it removed (its JSON is one line; prune's progress follows it).</summary>
    internal static int Removed(string output)
    {
        var line = output.Split('\n').FirstOrDefault(l => l.StartsWith('['));
        if (line is null)
        {
            return 0;
        }

        try
        {
            using var json = JsonDocument.Parse(line);
            return json.RootElement.EnumerateArray().Sum(group => group.TryGetProperty("remove", out var remove) && remove.ValueKind == JsonValueKind.Array ? remove.GetArrayLength() : 0);
        }
        catch (JsonException)
        {
            return 0;
        }
    }
}
