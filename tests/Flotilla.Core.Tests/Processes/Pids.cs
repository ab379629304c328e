using System.Globalization;

namespace Flotilla.Core.Tests.Processes;

internal static class Pids
{
    /// <summary>Alive and not a zombie (a killed process's parent may not have reaped it yet).</summary>
    public static bool Running(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..][0] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }
}
