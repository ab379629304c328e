using System.Collections.Immutable;

namespace Flotilla.Planning;

/// <summary>
/// An operation as a DAG of steps, listed in a topological order (every step after the steps
/// it depends on). Rendering it is a dry run. Immutable; safe to share between threads.
/// </summary>
public sealed record Plan(Operation Operation, ImmutableArray<PlanStep> Steps);
