using System.Globalization;

namespace Flotilla.Dashboard.Internal;

/// <summary>How values read on the pages (the script keeps relative times current).</summary>
internal static class Display
{
    public static string Time(DateTimeOffset? time) => time is { } t ? t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture) : "-";

    /// <summary>How a run ended, as the run page says it (and its live stream's <c>end</c> event).</summary>
    public static string RunResult(Execution.RunResult result) =>
        $"finished {Time(result.Finished)} with exit code {result.ExitCode.ToString(CultureInfo.InvariantCulture)}";

    public static string Iso(DateTimeOffset? time) => time is { } t ? t.UtcDateTime.ToString("O", CultureInfo.InvariantCulture) : "";

    /// <summary>A host's containers in one cell: empty without any, their count, or how many of them are down (dashboard.js's <c>containersText</c> says the same).</summary>
    public static string Containers(HostSummary host) =>
        host.Containers.IsEmpty ? ""
        : host.ContainersDown == 0 ? host.Containers.Length.ToString(CultureInfo.InvariantCulture)
        : string.Create(CultureInfo.InvariantCulture, $"{host.ContainersDown} of {host.Containers.Length} down");

    public static string StoragePercent(double value) => value.ToString("0.#", CultureInfo.InvariantCulture) + "%";

    public static string Bytes(double bytes) => Flotilla.Contracts.StorageUsage.FormatBytes(bytes);

    /// <summary>A growth rate per hour, or "-" before the agent has one.</summary>
    public static string Growth(double? bytesPerHour) => bytesPerHour is { } rate ? (rate >= 0 ? "+" : "") + Bytes(rate) + "/h" : "-";

    /// <summary>A backup's age for people (dashboard.js's <c>age</c> says the same).</summary>
    public static string Age(double seconds) => Flotilla.Contracts.BackupReport.FormatAge(seconds);

    public static string Percent(double? value) => value is { } v ? v.ToString("0", CultureInfo.InvariantCulture) + "%" : "-";

    public static string Number(double? value) => value is { } v ? v.ToString("0.00", CultureInfo.InvariantCulture) : "-";

    public static string Drift(DriftState state) => state.ToString().ToLowerInvariant();

    public static string State(CommandState state) => state.ToName();
}
