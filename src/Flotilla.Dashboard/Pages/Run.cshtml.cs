using Flotilla.Dashboard.Internal;
using Flotilla.Execution;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Flotilla.Dashboard.Pages;

internal sealed class RunModel(IRunSource runs, IRunLauncher launcher, RunStarter starter) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string Id { get; set; } = "";

    public RunView? Run { get; private set; }

    public string Graph { get; private set; } = "";

    /// <summary>This server runs it now: it can be cancelled.</summary>
    public bool Running => launcher.IsRunning(Id);

    public JournaledStep? Journaled(string stepId) => Run!.Steps.FirstOrDefault(s => s.Id == stepId);

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        Run = await runs.GetAsync(Id, cancellationToken);
        if (Run is null)
        {
            return NotFound();
        }

        if (TempData["RunMessage"] is string message)
        {
            Message = message;
        }

        var states = Run.Plan.Steps.ToDictionary(s => s.Id, s => StepStates.Name(Journaled(s.Id)), StringComparer.Ordinal);
        Graph = PlanGraphSvg.Render(Run.Plan, states);
        return Page();
    }

    public string? Message { get; private set; }

    public async Task<IActionResult> OnPostCancelAsync(CancellationToken cancellationToken)
    {
        var cancelled = await starter.CancelAsync(User.Identity!.Name!, Id, Clients.Address(HttpContext), cancellationToken);
        TempData["RunMessage"] = cancelled ? "Cancelled: nothing new starts; running steps are stopped." : "The run is not running here.";
        return Redirect("/runs/" + Uri.EscapeDataString(Id));
    }
}
