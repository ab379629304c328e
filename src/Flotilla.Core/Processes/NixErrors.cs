using System.Text;

namespace Flotilla.Processes;

/// <summary>
/// Nix's error output as a person should read it from Flotilla: Nix's own message and the places
/// in the user's files it points at, without the frames that show the expressions Flotilla writes
/// for Nix (positions in <c>«string»</c>) and without the <c>--show-trace</c> advice, which is
/// Nix's flag, not Flotilla's. Stateless and thread safe.
/// </summary>
public static class NixErrors
{
    private const string ShowTrace = "(use '--show-trace' to show detailed location information)";

    /// <summary>Nix's stderr with the frames of Flotilla's own expressions removed, trimmed.</summary>
    public static string Clean(string standardError)
    {
        ArgumentNullException.ThrowIfNull(standardError);
        var lines = standardError.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var kept = new List<string>(lines.Length);
        var inFrame = false;
        foreach (var line in lines)
        {
            var trimmed = line.Trim();
            if (trimmed.StartsWith("at «string»", StringComparison.Ordinal) || trimmed.StartsWith("«string»:", StringComparison.Ordinal))
            {
                // The position line, then a blank line and the code frame (lines of "N| ..." and " | ^").
                inFrame = true;
                continue;
            }

            if (inFrame)
            {
                if (trimmed.Length == 0 || IsFrameLine(trimmed))
                {
                    continue;
                }

                inFrame = false;
            }

            if (trimmed == ShowTrace)
            {
                continue;
            }

            kept.Add(line.TrimEnd());
        }

        // Blank lines left where a frame was taken out, twice or at the ends.
        var text = new StringBuilder();
        var blank = false;
        foreach (var line in kept)
        {
            if (line.Length == 0)
            {
                blank = text.Length > 0;
                continue;
            }

            if (blank)
            {
                text.Append('\n');
                blank = false;
            }

            if (text.Length > 0)
            {
                text.Append('\n');
            }

            text.Append(line);
        }

        return text.ToString();
    }

    /// <summary>
    /// Nix's message on one line, for a diagnostic: <see cref="Clean"/>, the leading
    /// <c>error: </c> dropped, code frames left out (their positions stay) and lines joined; at
    /// most <paramref name="maxLength"/> characters.
    /// </summary>
    public static string OneLine(string standardError, int maxLength = 400)
    {
        var clean = Clean(standardError);
        var text = new StringBuilder();
        foreach (var raw in clean.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || IsFrameLine(line))
            {
                continue;
            }

            if (line.StartsWith("at ", StringComparison.Ordinal) && line.EndsWith(':'))
            {
                line = line[..^1];
            }

            if (text.Length == 0 && line.StartsWith("error: ", StringComparison.Ordinal))
            {
                line = line["error: ".Length..];
            }

            if (text.Length > 0)
            {
                text.Append(' ');
            }

            text.Append(line);
        }

        return text.Length <= maxLength ? text.ToString() : text.ToString(0, maxLength - 3) + "...";
    }

    private static bool IsFrameLine(string trimmed)
    {
        var bar = trimmed.IndexOf('|', StringComparison.Ordinal);
        return bar >= 0 && trimmed[..bar].All(char.IsAsciiDigit);
    }
}
