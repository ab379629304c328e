using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using Flotilla.Diagnostics;

namespace Flotilla.Planning;

/// <summary>A plan, or the errors (an unknown selector, a cycle) that kept it from being made. Immutable.</summary>
public sealed record PlanResult(Plan? Plan, ImmutableArray<Diagnostic> Errors)
{
    [MemberNotNullWhen(true, nameof(Plan))]
    public bool Succeeded => Plan is not null;
}
