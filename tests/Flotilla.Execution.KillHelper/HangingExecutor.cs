using Flotilla.Planning;

namespace Flotilla.Execution.KillHelper;

/// <summary>Writes one output line per step and succeeds, except in one step, where it says so on stdout and waits forever.</summary>
internal sealed class HangingExecutor(string hangIn) : IStepExecutor
{
    public async Task<StepResult> ExecuteAsync(PlanStep step, StepContext context, CancellationToken cancellationToken = default)
    {
        context.Output.Line(step, "output of " + step.Id);
        if (step.Id == hangIn)
        {
            await Console.Out.WriteAsync("hanging\n");
            await Console.Out.FlushAsync(cancellationToken);
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }

        return StepResult.Succeeded();
    }
}
