using System.Text.RegularExpressions;

namespace Flotilla.Lab.Internal;

/// <summary>
/// Gives each lab its own index: subnet 10.77.INDEX.0/24, bridge <c>flINDEXbr</c>, namespaces
/// <c>flINDEX-N</c>. The kernel's links and namespaces are the registry (so labs under different
/// state roots and in several processes never collide); a lock file serialises the choice.
/// </summary>
internal static partial class LabSubnets
{
    public const int MaxIndex = 254;
    private const string LockFile = "/run/lock/flotilla-lab.lock";
    private static readonly SemaphoreSlim Gate = new(1, 1);

    [GeneratedRegex("^fl([0-9]+)(br|v[0-9]+|-[0-9]+)$")]
    private static partial Regex LabObjectName();

    public static async Task<T> WithLockAsync<T>(TimeProvider time, Func<Task<T>> action, CancellationToken cancellationToken)
    {
        await Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(LockFile)!);
            FileStream? held = null;
            for (var attempt = 0; held is null; attempt++)
            {
                try
                {
                    held = new FileStream(LockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                }
                catch (IOException) when (attempt < 600)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(100), time, cancellationToken).ConfigureAwait(false);
                }
            }

            await using (held.ConfigureAwait(false))
            {
                return await action().ConfigureAwait(false);
            }
        }
        finally
        {
            Gate.Release();
        }
    }

    public static int Pick(IEnumerable<string> links, IEnumerable<string> namespaces, IEnumerable<int> recorded)
    {
        var used = new HashSet<int>(recorded);
        foreach (var name in links.Concat(namespaces))
        {
            var match = LabObjectName().Match(name);
            if (match.Success && int.TryParse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture, out var index))
            {
                used.Add(index);
            }
        }

        for (var index = 1; index <= MaxIndex; index++)
        {
            if (!used.Contains(index))
            {
                return index;
            }
        }

        throw new LabException($"all {MaxIndex} lab subnets of 10.77.0.0/16 are in use; remove labs with `flotilla lab down`");
    }
}
