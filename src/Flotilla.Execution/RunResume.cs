using System.Collections.Immutable;
using Flotilla.Planning;

namespace Flotilla.Execution;

/// <summary>
/// Which steps of a killed (or failed) run a resume does not redo. Succeeded steps are done, with
/// one exception: a host that is not confirmed (its verify did not succeed) but whose activation
/// began has been rolled back by its watchdog, or will be, so its keys, its activate and its own steps that wait for the activate (keys-post,
/// service Terraform, verify) are redone. Builds and
/// copies stay done: the closure is still in the store. Steps of a confirmed host are never redone.
/// Stateless and thread safe.
/// </summary>
public static class RunResume
{
    public static ImmutableHashSet<string> CompletedSteps(RunJournal journal)
    {
        ArgumentNullException.ThrowIfNull(journal);
        return CompletedSteps(journal.Plan, journal.Steps);
    }

    public static ImmutableHashSet<string> CompletedSteps(Plan plan, IReadOnlyList<JournaledStep> steps)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(steps);
        var states = steps.ToDictionary(s => s.Id, s => s.State, StringComparer.Ordinal);
        StepState StateOf(string id) => states.GetValueOrDefault(id, StepState.Pending);

        var unconfirmed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var host in plan.Steps.Where(s => s.Host is not null).GroupBy(s => s.Host!))
        {
            var activationBegan = host.Any(s => s.Kind == StepKind.Activate && StateOf(s.Id) != StepState.Pending);
            var confirmed = host.Any(s => s.Kind == StepKind.Verify) && host.Where(s => s.Kind == StepKind.Verify).All(s => StateOf(s.Id) == StepState.Succeeded);
            if (activationBegan && !confirmed)
            {
                unconfirmed.Add(host.Key);
            }
        }

        var redone = Redone(plan, unconfirmed);
        var done = ImmutableHashSet.CreateBuilder<string>(StringComparer.Ordinal);
        foreach (var step in plan.Steps)
        {
            if (StateOf(step.Id) == StepState.Succeeded && !redone.Contains(step.Id))
            {
                done.Add(step.Id);
            }
        }

        return done.ToImmutable();
    }

    /// <summary>Of each unconfirmed host: its keys, its activate and its own steps that wait for the activate.</summary>
    private static HashSet<string> Redone(Plan plan, HashSet<string> unconfirmed)
    {
        var redone = new HashSet<string>(StringComparer.Ordinal);
        foreach (var step in plan.Steps)
        {
            if (step.Host is not { } host || !unconfirmed.Contains(host))
            {
                continue;
            }

            // Plan order puts dependencies first, so one pass sees an activate before what waits for it.
            if (step.Kind is StepKind.Keys or StepKind.Activate || step.DependsOn.Any(redone.Contains))
            {
                redone.Add(step.Id);
            }
        }

        return redone;
    }
}
