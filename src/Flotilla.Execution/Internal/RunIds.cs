using System.Globalization;
using System.Security.Cryptography;

namespace Flotilla.Execution.Internal;

/// <summary>Run ids sort by start time: <c>20261122-143005-ab12</c> (UTC, then 4 random hex digits).</summary>
internal static class RunIds
{
    public static string New(DateTimeOffset now) =>
        now.UtcDateTime.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture) + "-" +
        Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(2));

    /// <summary>Ids are directory names: anything that could leave the runs directory is refused.</summary>
    public static bool IsSafe(string id) =>
        id.Length is > 0 and <= 64 && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_') ;
}
