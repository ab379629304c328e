using Flotilla.Inventory;

namespace Flotilla.Execution.Internal.Backups;

/// <summary>What a tool's step came to: a value (a snapshot id) or why it failed, as a person reads it.</summary>
internal sealed record ToolOutcome(bool Succeeded, string? Value, string Message)
{
    public static ToolOutcome Ok(string? value, string message = "") => new(true, value, message);

    public static ToolOutcome Failed(string message) => new(false, null, message);
}

/// <summary>
/// The parts of a backup that depend on the tool (restic, kopia); <see cref="BackupRunner"/>
/// owns the flow around them (stopping, hooks, starting, health gates, keeping data aside).
/// </summary>
internal interface IBackupTool
{
    string Name { get; }

    /// <summary>What keeps this tool from backing up <paramref name="backup"/>, or null (a password file is checked by the runner).</summary>
    string? Problem(BackupSpec backup);

    /// <summary>Makes a snapshot of the service's paths: its id, or the failure.</summary>
    Task<ToolOutcome> BackupAsync(BackupSession session, CancellationToken cancellationToken);

    /// <summary>Checks the repository and the snapshot, and restores one file of it into <paramref name="scratch"/> (removed after): the last line says what was verified.</summary>
    Task<ToolOutcome> VerifyAsync(BackupSession session, string snapshot, string scratch, CancellationToken cancellationToken);

    /// <summary>Records on the snapshot that it was verified.</summary>
    Task<ToolOutcome> MarkVerifiedAsync(BackupSession session, string snapshot, CancellationToken cancellationToken);

    /// <summary>The service's snapshots (null: the repository could not be read).</summary>
    Task<IReadOnlyList<BackupSnapshot>?> ListAsync(BackupSession session, CancellationToken cancellationToken);

    /// <summary>Applies keep-daily/weekly/monthly to the service's verified snapshots only: how many it removed, or why it failed.</summary>
    Task<(int Removed, string? Failure)> ApplyRetentionAsync(BackupSession session, CancellationToken cancellationToken);

    /// <summary>Restores the snapshot's copy of each backup path in its place (the runner has moved the old data aside).</summary>
    Task<ToolOutcome> RestoreAsync(BackupSession session, string snapshot, CancellationToken cancellationToken);

    /// <summary>Restores the snapshot into <paramref name="target"/>, a directory of the host, and touches nothing else.</summary>
    Task<ToolOutcome> RestoreToAsync(BackupSession session, string snapshot, string target, CancellationToken cancellationToken);
}

/// <summary>The backup tools Flotilla drives.</summary>
internal static class BackupTools
{
    public static IBackupTool? For(string name) => name switch
    {
        "restic" => ResticTool.Instance,
        "kopia" => KopiaTool.Instance,
        _ => null,
    };
}
