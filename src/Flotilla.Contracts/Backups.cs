using System.Globalization;

namespace Flotilla.Contracts;

/// <summary>
/// One service's scheduled backup on a host, as the last run of its timer wrote it
/// (<c>RESULTS/SERVICE.json</c>, nix/modules/flotilla-backups.nix) and the agent read it.
/// <see cref="State"/> and <see cref="Reason"/> are derived (get-only: the wire's JSON leaves them
/// out; the dashboard's pages get them). Immutable.
/// </summary>
/// <param name="Service">The service (the file's <c>service</c>; its name without <c>.json</c> when the file cannot be read).</param>
public sealed record BackupReport(string Service)
{
    /// <summary><c>restic</c> or <c>kopia</c>.</summary>
    public string? Tool { get; init; }

    /// <summary>When the last run took its snapshot (when it failed before one: when it started).</summary>
    public DateTimeOffset? Time { get; init; }

    /// <summary>Whether the last run did everything: snapshot, verification and retention.</summary>
    public bool Succeeded { get; init; }

    /// <summary>Whether the last run's snapshot was verified (restic check and a test restore; kopia snapshot verify).</summary>
    public bool Verified { get; init; }

    public string? Snapshot { get; init; }

    /// <summary>The bytes the snapshot holds (restic's total processed); null when the tool does not say.</summary>
    public long? SizeBytes { get; init; }

    /// <summary>What the last run says: its snapshot and verification, or why it failed.</summary>
    public string? Message { get; init; }

    /// <summary>When the last verified snapshot was taken: the last good backup (this run's or an earlier one's).</summary>
    public DateTimeOffset? LastGood { get; init; }

    public string? LastGoodSnapshot { get; init; }

    /// <summary>Why the agent could not read the result file (naming it), or null.</summary>
    public string? Problem { get; init; }

    /// <summary>
    /// <c>ok</c>; <c>failed</c> (no snapshot, or a verified one whose retention failed);
    /// <c>unverified</c> (a snapshot that did not pass its verification); <c>unreadable</c>
    /// (the result file is not one the agent can read).
    /// </summary>
    public string State =>
        Problem is not null ? "unreadable"
        : Succeeded ? "ok"
        : Snapshot is not null && !Verified ? "unverified"
        : "failed";

    /// <summary>Why it is an alert, or null when the last backup is good.</summary>
    public string? Reason => State switch
    {
        "unreadable" => Problem,
        "unverified" => $"snapshot {Snapshot} is not verified: {Message}",
        "failed" => "the last backup failed: " + Message,
        _ => null,
    };

    /// <summary>Seconds since the last good backup at <paramref name="now"/>; null when there has been none.</summary>
    public double? AgeSeconds(DateTimeOffset now) => LastGood is { } good ? Math.Max(0, Math.Round((now - good).TotalSeconds)) : null;

    /// <summary>An age for people: "40 min", "5.5 h", "3 days".</summary>
    public static string FormatAge(double seconds) =>
        seconds < 3600 ? string.Create(CultureInfo.InvariantCulture, $"{Math.Floor(seconds / 60):0} min")
        : StorageUsage.FormatHours(seconds / 3600);
}

/// <summary>A service's backup in <c>GET /api/hosts</c>: its last run and its last good backup, with that one's age in seconds.</summary>
public sealed record BackupView(
    string Service,
    string State,
    DateTimeOffset? LastAttempt,
    DateTimeOffset? LastGood,
    double? AgeSeconds,
    bool Succeeded,
    bool Verified,
    string? Snapshot,
    string? Message,
    string? Tool = null,
    long? SizeBytes = null)
{
    public static IReadOnlyList<BackupView>? Of(IReadOnlyList<BackupReport>? reports, DateTimeOffset now) =>
        reports?.Select(r => new BackupView(r.Service, r.State, r.Time, r.LastGood, r.AgeSeconds(now), r.Succeeded, r.Verified, r.Snapshot, r.Problem ?? r.Message, r.Tool, r.SizeBytes)).ToList();
}
