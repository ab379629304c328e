using System.Collections.Immutable;
using Flotilla.Diagnostics;

namespace Flotilla.Planning;

/// <summary>The names of the selected hosts in fleet order, or the errors that stopped the selection. Immutable.</summary>
public sealed record SelectionResult(ImmutableArray<string> Hosts, ImmutableArray<Diagnostic> Errors)
{
    public bool Succeeded => Errors.IsEmpty;
}
