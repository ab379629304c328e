using System.Globalization;

namespace Flotilla.Contracts;

/// <summary>How full a watched file system is allowed to get before it is an alert.</summary>
public enum StorageSeverity
{
    Ok,
    Warning,
    Critical,
}

/// <summary>
/// The thresholds of one watched path, percentages of space and of inodes used. Defaults: warn at
/// 80 %, critical at 90 %, for both (seeds 000 and 001's storage-utilisation alerts).
/// </summary>
public sealed record StorageThreshold(string Path, double Warning = StorageThreshold.DefaultWarning, double Critical = StorageThreshold.DefaultCritical)
{
    public const double DefaultWarning = 80;
    public const double DefaultCritical = 90;

    /// <summary>Every text as <see cref="TryParse"/> reads it; null with the first one's problem in <paramref name="error"/>.</summary>
    public static IReadOnlyList<StorageThreshold>? TryParseAll(IEnumerable<string> texts, out string? error)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var thresholds = new List<StorageThreshold>();
        foreach (var text in texts)
        {
            if (TryParse(text, out error) is not { } threshold)
            {
                return null;
            }

            thresholds.Add(threshold);
        }

        error = null;
        return thresholds;
    }

    /// <summary>
    /// <c>PATH</c> or <c>PATH=WARN,CRIT</c> (percentages, WARN below CRIT, both 1-100), as the
    /// agent's <c>--storage</c> and <c>flotilla status --storage-path</c> take it; null with the
    /// reason in <paramref name="error"/>.
    /// </summary>
    public static StorageThreshold? TryParse(string text, out string? error)
    {
        ArgumentNullException.ThrowIfNull(text);
        error = null;
        var (path, limits) = text.IndexOf('=', StringComparison.Ordinal) is var at and >= 0 ? (text[..at], text[(at + 1)..]) : (text, null);
        if (!path.StartsWith('/'))
        {
            error = $"\"{text}\": the path must be absolute (PATH or PATH=WARN,CRIT, e.g. /fun=80,90)";
            return null;
        }

        if (limits is null)
        {
            return new StorageThreshold(path);
        }

        var parts = limits.Split(',');
        if (parts.Length == 2
            && double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var warn)
            && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var critical)
            && warn is > 0 and <= 100 && critical is > 0 and <= 100 && warn < critical)
        {
            return new StorageThreshold(path, warn, critical);
        }

        error = $"\"{text}\": the thresholds are WARN,CRIT percentages, WARN below CRIT (e.g. {path}=80,90)";
        return null;
    }
}

/// <summary>
/// One watched file system at a heartbeat (or a <c>flotilla status --storage</c>): its size and use
/// in bytes and inodes, the agent's growth estimate from its own history, and how it compares with
/// its thresholds. Percentages, severity and reason are derived (get-only: the wire's and the
/// store's JSON contexts leave them out; the dashboard's pages get them).
/// </summary>
/// <param name="Path">The watched path (the mount point when the agent watches every mount).</param>
/// <param name="GrowthBytesPerHour">The use's growth over the agent's recent history; null until it has one.</param>
/// <param name="HoursToFull">At that growth, hours until no space is left; null when it is not growing.</param>
public sealed record StorageUsage(
    string Path,
    long TotalBytes,
    long UsedBytes,
    long TotalInodes,
    long UsedInodes,
    double Warning = StorageThreshold.DefaultWarning,
    double Critical = StorageThreshold.DefaultCritical,
    double? GrowthBytesPerHour = null,
    double? HoursToFull = null)
{
    /// <summary>Space used, 0-100 to one decimal (0 for an empty size).</summary>
    public double UsedPercent => Percent(UsedBytes, TotalBytes);

    /// <summary>Inodes used, 0-100 to one decimal (0 for file systems without a fixed number of inodes).</summary>
    public double InodesPercent => Percent(UsedInodes, TotalInodes);

    /// <summary>The worse of space and inodes against the thresholds.</summary>
    public StorageSeverity Severity =>
        Math.Max(UsedPercent, InodesPercent) is var worst && worst >= Critical ? StorageSeverity.Critical
        : worst >= Warning ? StorageSeverity.Warning
        : StorageSeverity.Ok;

    /// <summary>Why it is an alert ("94.1% of space used (critical at 90%)"), or null when it is not.</summary>
    public string? Reason
    {
        get
        {
            if (Severity == StorageSeverity.Ok)
            {
                return null;
            }

            var (what, percent) = InodesPercent > UsedPercent ? ("inodes", InodesPercent) : ("space", UsedPercent);
            var limit = Severity == StorageSeverity.Critical ? $"critical at {Critical:0.##}%" : $"warning at {Warning:0.##}%";
            var full = HoursToFull is { } hours ? $"; full in about {FormatHours(hours)} at its growth" : "";
            return string.Create(CultureInfo.InvariantCulture, $"{percent:0.#}% of {what} used ({limit}){full}");
        }
    }

    /// <summary>Bytes in the largest binary unit that keeps a number of at least 1 (dashboard.js's <c>bytes</c> says the same).</summary>
    public static string FormatBytes(double bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
        var unit = 0;
        while (Math.Abs(bytes) >= 1024 && unit < units.Length - 1)
        {
            bytes /= 1024;
            unit++;
        }

        return bytes.ToString(unit == 0 ? "0" : "0.#", CultureInfo.InvariantCulture) + " " + units[unit];
    }

    public static string FormatHours(double hours) => hours switch
    {
        < 1 => string.Create(CultureInfo.InvariantCulture, $"{Math.Max(1, Math.Round(hours * 60)):0} min"),
        < 48 => string.Create(CultureInfo.InvariantCulture, $"{hours:0.#} h"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{hours / 24:0} days"),
    };

    private static double Percent(long used, long total) => total <= 0 ? 0 : Math.Round(100.0 * used / total, 1);
}
