using System.Collections.Immutable;
using Flotilla.Contracts;

namespace Flotilla.ControlPlane.Internal;

/// <summary>A host's tags as the server knows them: the inventory's and those its agent reports, sorted, each once.</summary>
internal static class HostTags
{
    public static ImmutableArray<string> Of(IEnumerable<string>? inventory, HostFacts? facts) =>
        [.. (inventory ?? []).Concat(facts?.Tags ?? []).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
}
