namespace Flotilla.Execution;

/// <summary>
/// What the inventory builds now: each host's closure, and for each host it builds nothing for,
/// one line that says why and what to add (<see cref="Problems"/>, by host name). Immutable.
/// </summary>
public sealed record SystemEvaluation(IReadOnlyDictionary<string, HostClosure> Closures, IReadOnlyDictionary<string, string> Problems)
{
    /// <summary>Throws <see cref="NixBuildException"/> with one line per host that has a problem.</summary>
    public void ThrowIfIncomplete()
    {
        if (Problems.Count > 0)
        {
            throw new NixBuildException(string.Join('\n', Problems.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Value)));
        }
    }
}
