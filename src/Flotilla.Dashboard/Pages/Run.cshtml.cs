using Flotilla.Dashboard.Internal;
using Flotilla.Execution;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Flotilla.Dashboard.Pages;

internal sealed class RunModel(IRunSource runs) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string Id { get; set; } = "";

    public RunView? Run { get; private set; }

    public string Graph { get; private set; } = "";

    public JournaledStep? Journaled(string stepId) => Run!.Steps.FirstOrDefault(s => s.Id == stepId);

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        Run = await runs.GetAsync(Id, cancellationToken);
        if (Run is null)
        {
            return NotFound();
        }

        var states = Run.Plan.Steps.ToDictionary(s => s.Id, s => StepStates.Name(Journaled(s.Id)), StringComparer.Ordinal);
        Graph = PlanGraphSvg.Render(Run.Plan, states);
        return Page();
    }
}
