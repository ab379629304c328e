namespace Flotilla.Tests.Support;

/// <summary>The machine's processes as /proc shows them.</summary>
public static class ProcessTable
{
    /// <summary>The command line of every process now running, its arguments joined by spaces (a process that ends meanwhile is left out).</summary>
    public static List<string> CommandLines()
    {
        var lines = new List<string>();
        foreach (var process in Directory.EnumerateDirectories("/proc").Where(d => Path.GetFileName(d).All(char.IsAsciiDigit)))
        {
            try
            {
                lines.Add(File.ReadAllText(Path.Combine(process, "cmdline")).Replace('\0', ' '));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // It ended meanwhile.
            }
        }

        return lines;
    }
}
