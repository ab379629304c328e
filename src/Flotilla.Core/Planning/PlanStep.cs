using System.Collections.Immutable;

namespace Flotilla.Planning;

/// <summary>
/// One step of a <see cref="Plan"/>. <see cref="Id"/> is <c>kind:name</c>, the kind as
/// <see cref="StepKinds.ToName"/> writes it (<c>activate:web01</c>, <c>keys-post:web01</c>), except
/// for the fleet's own steps (<c>gate:core</c>, <c>tf:service-infra:vaultwarden</c>), and unique in
/// its plan; names are kept as they are, so renderers quote them. <see cref="DependsOn"/> holds the
/// ids of the steps that must finish first. Immutable.
/// </summary>
public sealed record PlanStep(string Id, StepKind Kind, string Phase, string? Host, string? Service, ImmutableArray<string> DependsOn)
{
    /// <summary>For <see cref="StepKind.Wait"/>: how long to wait.</summary>
    public TimeSpan? Delay { get; init; }

    /// <summary>A line for people (what the step does); null when the id says it all.</summary>
    public string? Description { get; init; }
}
