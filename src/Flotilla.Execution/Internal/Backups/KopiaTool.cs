using System.Globalization;
using System.Text.Json;
using Flotilla.Inventory;

namespace Flotilla.Execution.Internal.Backups;

/// <summary>
/// Kopia on the service's host. Every command names the repository's config file
/// (<c>--config-file</c>): <c>repository</c> is that file when it ends in <c>.config</c> (the host
/// connected to its repository, of any storage, beforehand), otherwise a filesystem repository
/// directory, connected (made when it does not exist yet) with the config file
/// <c>REPOSITORY.kopia.config</c> beside it. The password is read from the password file into
/// <c>KOPIA_PASSWORD</c> inside the remote script: it is never an argument, and never persisted
/// by a connect. A snapshot is tagged <c>flotilla-service:NAME</c>; a verified one is pinned
/// <c>verified</c> (a pin is kopia's own mark that keeps its retention away from a snapshot);
/// retention is computed here over the service's verified snapshots, since kopia's own cannot
/// be limited to them, and the others are deleted with <c>kopia snapshot delete --delete</c>.
/// Kopia makes one snapshot per source, so a kopia backup has one path.
/// </summary>
/// <remarks>Kopia cannot be installed where Flotilla is tested: this driver is tested against recorded invocations and Kopia's JSON shapes, not a real kopia.</remarks>
internal sealed class KopiaTool : IBackupTool
{
    public static readonly KopiaTool Instance = new();

    /// <summary>The pin that marks a verified snapshot.</summary>
    public const string VerifiedPin = "verified";

    /// <summary>The share of a snapshot's files <c>kopia snapshot verify</c> downloads and checks.</summary>
    public const int VerifyFilesPercent = 10;

    // $1 config file, $2 filesystem repository ('' when $1 is a connected host's config file),
    // $3 password file; the script's own arguments follow. connect: the config file, made by
    // connecting to the repository (or with "create", creating it) when it is not there.
    private const string Kopia = """
        config=$1 repository=$2
        KOPIA_PASSWORD=$(cat -- "$3") || { echo "cannot read the repository password from $3"; exit 1; }
        export KOPIA_PASSWORD
        shift 3
        connect() {
          [ -e "$config" ] && return 0
          if [ -z "$repository" ]; then
            echo "kopia's config file $config does not exist: connect this host to its repository with kopia repository connect ... --config-file=$config"
            return 1
          fi
          if [ -e "$repository/kopia.repository.f" ]; then verb=connect
          elif [ "$1" = create ]; then verb=create
          else echo "there is no kopia repository at $repository yet"; return 1; fi
          mkdir -p -- "$(dirname -- "$config")" || return 1
          kopia repository "$verb" filesystem --path="$repository" --config-file="$config" --no-persist-credentials --no-check-for-updates >/dev/null
        }
        """;

    // $4 the service's tag, $5 the path.
    private const string BackupScript = Kopia + "\n" + """
        connect create || exit 1
        exec kopia --config-file="$config" snapshot create --json --tags="$1" "$2"
        """;

    // $4 snapshot, $5 scratch directory, $6 files percentage: kopia snapshot verify, then the
    // first file kopia ls lists restored and its size compared with the snapshot's record of it.
    // kopia ls -l: MODE SIZE DATE TIME ZONE OBJECT-ID NAME (NAME relative to the snapshot's root).
    private const string VerifyScript = Kopia + "\n" + """
        connect || exit 1
        snapshot=$1 scratch=$2 percent=$3
        kopia --config-file="$config" snapshot verify --verify-files-percent="$percent" "$snapshot" >/dev/null || { echo "kopia snapshot verify failed"; exit 1; }
        line=$(kopia --config-file="$config" ls -l -r "$snapshot" | grep '^-' | head -n 1)
        [ -n "$line" ] || { echo "verified: kopia snapshot verify passed; the snapshot holds no file to restore"; exit 0; }
        size=$(printf '%s\n' "$line" | awk '{ print $2 }')
        file=$(printf '%s\n' "$line" | sed 's/^[^ ]* *[0-9]* [^ ]* [^ ]* [^ ]* [^ ]* *//')
        rm -rf "$scratch"
        trap 'rm -rf "$scratch"' EXIT
        mkdir -p -- "$scratch" || exit 1
        kopia --config-file="$config" restore "$snapshot/$file" "$scratch/sample" >/dev/null || { echo "the test restore of $file failed"; exit 1; }
        got=$(stat -c %s "$scratch/sample" 2>/dev/null)
        [ "$got" = "$size" ] || { echo "the test restore of $file has $got bytes, not $size"; exit 1; }
        echo "verified: kopia snapshot verify passed and $file ($size bytes) restored"
        """;

    private const string PinScript = Kopia + "\n" + """
        connect || exit 1
        exec kopia --config-file="$config" snapshot pin --add="$1" "$2"
        """;

    private const string ListScript = Kopia + "\n" + """
        connect || exit 1
        exec kopia --config-file="$config" snapshot list --json --tags="$1"
        """;

    private const string DeleteScript = Kopia + "\n" + """
        connect || exit 1
        exec kopia --config-file="$config" snapshot delete --delete "$@"
        """;

    // $4 snapshot, $5 the path (moved aside already).
    private const string RestoreScript = Kopia + "\n" + """
        connect || exit 1
        snapshot=$1 path=$2
        kopia --config-file="$config" restore "$snapshot" "$path" >/dev/null || { echo "kopia restore of $path from $snapshot failed"; exit 1; }
        [ -e "$path" ] || mkdir -p -- "$path"
        """;

    private const string RestoreToScript = Kopia + "\n" + """
        connect || exit 1
        exec kopia --config-file="$config" restore "$1" "$2"
        """;

    public string Name => "kopia";

    /// <summary>The config file kopia's commands name for <paramref name="repository"/>.</summary>
    public static string ConfigFile(string repository) =>
        repository.EndsWith(".config", StringComparison.Ordinal) ? repository : repository.TrimEnd('/') + ".kopia.config";

    public string? Problem(BackupSpec backup) =>
        backup.Repository is null ? "its backup names no repository: set backup.repository (kopia's config file on its host, FILE.config, connected beforehand; or a filesystem repository directory)"
        : backup.Paths.IsEmpty ? "its backup names no paths: set backup.paths"
        : backup.Paths.Length > 1 ? $"kopia makes one snapshot per path and its backup names {backup.Paths.Length}: give a kopia backup one path (its data directory), or use restic"
        : !backup.Exclude.IsEmpty ? "kopia takes exclusions from its policy, not its command line: drop backup.exclude and run kopia policy set PATH --add-ignore PATTERN on the host"
        : null;

    public async Task<ToolOutcome> BackupAsync(BackupSession session, CancellationToken cancellationToken)
    {
        var made = await session.RunAsync(BackupScript, [.. Repository(session), Tag(session), session.Backup.Paths[0]], false, cancellationToken).ConfigureAwait(false);
        var snapshot = made.Succeeded ? SnapshotOf(made.Output) : null;
        return snapshot is null ? ToolOutcome.Failed($"kopia snapshot create failed (exit {made.ExitCode}): {made.Tail(3)}") : ToolOutcome.Ok(snapshot);
    }

    public async Task<ToolOutcome> VerifyAsync(BackupSession session, string snapshot, string scratch, CancellationToken cancellationToken)
    {
        var verified = await session.RunAsync(VerifyScript, [.. Repository(session), snapshot, scratch, VerifyFilesPercent.ToString(CultureInfo.InvariantCulture)], true, cancellationToken).ConfigureAwait(false);
        return verified.Succeeded ? ToolOutcome.Ok(snapshot, Said(verified)) : ToolOutcome.Failed(Said(verified) + (LastLine(verified.Error) is { } error ? $" ({error})" : ""));
    }

    /// <summary>What the script itself said last (kopia logs to stderr, which comes after it in a tail).</summary>
    private static string Said(RemoteResult result) => LastLine(result.Output) ?? result.Tail(1);

    private static string? LastLine(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();

    public async Task<ToolOutcome> MarkVerifiedAsync(BackupSession session, string snapshot, CancellationToken cancellationToken)
    {
        var pinned = await session.RunAsync(PinScript, [.. Repository(session), VerifiedPin, snapshot], true, cancellationToken).ConfigureAwait(false);
        return pinned.Succeeded ? ToolOutcome.Ok(snapshot) : ToolOutcome.Failed($"kopia snapshot pin --add={VerifiedPin} failed (exit {pinned.ExitCode}): {pinned.Tail(2)}");
    }

    public async Task<IReadOnlyList<BackupSnapshot>?> ListAsync(BackupSession session, CancellationToken cancellationToken) =>
        (await ReadAsync(session, cancellationToken).ConfigureAwait(false))?.Select(s => s.Snapshot).ToList();

    public async Task<(int Removed, string? Failure)> ApplyRetentionAsync(BackupSession session, CancellationToken cancellationToken)
    {
        if (await ReadAsync(session, cancellationToken).ConfigureAwait(false) is not { } snapshots)
        {
            return (0, "applying retention failed: kopia snapshot list failed");
        }

        // Only verified snapshots count and go; one a person pinned for another reason stays.
        var expired = Retention.Expired(snapshots.Where(s => s.Snapshot.Verified), s => s.Snapshot.Time, session.Backup)
            .Where(s => s.Pins.All(p => p == VerifiedPin))
            .Select(s => s.Snapshot.Id)
            .ToList();
        if (expired.Count == 0)
        {
            return (0, null);
        }

        var deleted = await session.RunAsync(DeleteScript, [.. Repository(session), .. expired], false, cancellationToken).ConfigureAwait(false);
        return deleted.Succeeded ? (expired.Count, null) : (0, $"applying retention failed: kopia snapshot delete exited with {deleted.ExitCode}: {deleted.Tail(2)}");
    }

    public async Task<ToolOutcome> RestoreAsync(BackupSession session, string snapshot, CancellationToken cancellationToken)
    {
        var restored = await session.RunAsync(RestoreScript, [.. Repository(session), snapshot, session.Backup.Paths[0]], true, cancellationToken).ConfigureAwait(false);
        return restored.Succeeded ? ToolOutcome.Ok(snapshot) : ToolOutcome.Failed($"the restore failed (exit {restored.ExitCode}): {restored.Tail(2)}");
    }

    public async Task<ToolOutcome> RestoreToAsync(BackupSession session, string snapshot, string target, CancellationToken cancellationToken)
    {
        var copied = await session.RunAsync(RestoreToScript, [.. Repository(session), snapshot, target], true, cancellationToken).ConfigureAwait(false);
        return copied.Succeeded ? ToolOutcome.Ok(snapshot) : ToolOutcome.Failed($"kopia restore into {target} failed (exit {copied.ExitCode}): {copied.Tail(2)}");
    }

    private static async Task<List<KopiaSnapshot>?> ReadAsync(BackupSession session, CancellationToken cancellationToken)
    {
        var listed = await session.RunAsync(ListScript, [.. Repository(session), Tag(session)], false, cancellationToken).ConfigureAwait(false);
        if (!listed.Succeeded || listed.Output.IndexOf('[', StringComparison.Ordinal) is var start && start < 0)
        {
            return null;
        }

        try
        {
            return Snapshots(session.Service, listed.Output[start..]);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string[] Repository(BackupSession session)
    {
        var repository = session.Backup.Repository!;
        var config = ConfigFile(repository);
        return [config, config == repository ? "" : repository, session.PasswordFile];
    }

    private static string Tag(BackupSession session) => "flotilla-service:" + session.Service.Name;

    /// <summary>kopia snapshot create --json: the manifest it saved (one line of JSON), its id.</summary>
    internal static string? SnapshotOf(string output)
    {
        foreach (var line in output.Split('\n').Reverse().Where(l => l.TrimStart().StartsWith('{')))
        {
            try
            {
                using var json = JsonDocument.Parse(line);
                return json.RootElement.TryGetProperty("id", out var id) && id.GetString() is { Length: > 0 } value ? value : null;
            }
            catch (JsonException)
            {
                return null;
            }
        }

        return null;
    }

    /// <summary>
    /// kopia snapshot list --json: each snapshot manifest with its id, <c>startTime</c>, source
    /// path, pins, and its size: <c>stats.totalSize</c>, else the root directory's summary
    /// (<c>rootEntry.summ.size</c>).
    /// </summary>
    internal static List<KopiaSnapshot> Snapshots(Service service, string json)
    {
        using var document = JsonDocument.Parse(json);
        var snapshots = new List<KopiaSnapshot>();
        foreach (var item in document.RootElement.EnumerateArray())
        {
            var pins = item.TryGetProperty("pins", out var p) && p.ValueKind == JsonValueKind.Array ? p.EnumerateArray().Select(e => e.GetString()!).ToList() : [];
            long? size =
                item.TryGetProperty("stats", out var stats) && stats.ValueKind == JsonValueKind.Object && stats.TryGetProperty("totalSize", out var total) && total.TryGetInt64(out var bytes) ? bytes
                : item.TryGetProperty("rootEntry", out var root) && root.TryGetProperty("summ", out var summary) && summary.TryGetProperty("size", out var summed) && summed.TryGetInt64(out var summedBytes) ? summedBytes
                : null;
            var snapshot = new BackupSnapshot(
                service.Host,
                service.Name,
                item.GetProperty("id").GetString()!,
                DateTimeOffset.Parse(item.GetProperty("startTime").GetString()!, CultureInfo.InvariantCulture),
                pins.Contains(VerifiedPin),
                [item.GetProperty("source").GetProperty("path").GetString()!])
            { Size = size };
            snapshots.Add(new KopiaSnapshot(snapshot, pins));
        }

        return snapshots;
    }
}

/// <summary>A snapshot as kopia lists it, with its pins (retention leaves one pinned for another reason alone).</summary>
internal sealed record KopiaSnapshot(BackupSnapshot Snapshot, IReadOnlyList<string> Pins);
