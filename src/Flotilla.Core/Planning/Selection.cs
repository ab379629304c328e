using System.Collections.Immutable;

namespace Flotilla.Planning;

/// <summary>
/// Which part of the fleet an operation touches; the union of <see cref="On"/> and
/// <see cref="Services"/>, everything when both are empty. Immutable.
/// </summary>
public sealed record Selection
{
    public static readonly Selection Everything = new();

    /// <summary>Terms of the one selector grammar (<see cref="Contracts.HostSelector"/>): host names, <c>@tag</c> (tags and groups alike), globs (<c>*</c>, <c>?</c>, <c>[...]</c>) and <c>all</c>, already split on commas.</summary>
    public ImmutableArray<string> On { get; init; } = [];

    /// <summary>Services to deploy with everything they need (activation and configuration dependencies: <c>dependsOn</c>, databases' <c>host</c>, <c>auth.provider</c>; transitively); selects the hosts that run them.</summary>
    public ImmutableArray<string> Services { get; init; } = [];

    /// <summary>Also select every host that depends, directly or not, on a selected host.</summary>
    public bool WithDependents { get; init; }
}
