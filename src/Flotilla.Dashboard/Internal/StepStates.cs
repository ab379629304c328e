using Flotilla.Execution;

namespace Flotilla.Dashboard.Internal;

internal static class StepStates
{
    /// <summary>The state as the journal's events name it (docs/runs.md), also the CSS class suffix.</summary>
    public static string Name(JournaledStep? step) => step is null ? "pending" : step.State switch
    {
        StepState.Pending => "pending",
        StepState.Running => "running",
        StepState.Succeeded => "succeeded",
        StepState.Failed => "failed",
        StepState.Skipped => "skipped",
        StepState.RolledBack => "rolled-back",
        _ => "needs-attention",
    };
}
