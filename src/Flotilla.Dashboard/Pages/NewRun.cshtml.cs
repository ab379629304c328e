using Flotilla.Contracts;
using Flotilla.Dashboard.Internal;
using Flotilla.Planning;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Flotilla.Dashboard.Pages;

/// <summary>
/// Starts a deploy, rollback or reboot of a selection: the plan first (Preview), then the run
/// (Start, with a fresh second factor), which the run page follows live.
/// </summary>
internal sealed class NewRunModel(IRunLauncher launcher, RunStarter starter, LoginService login) : PageModel
{
    [BindProperty]
    public RunOperation Operation { get; set; } = RunOperation.Deploy;

    /// <summary>Selectors, as <c>deploy --on</c> takes them: names, <c>@tag</c>, globs, <c>all</c>; commas or spaces between them.</summary>
    [BindProperty]
    public string? Hosts { get; set; }

    [BindProperty]
    public string? Service { get; set; }

    [BindProperty]
    public bool WithDependents { get; set; }

    public string? Unavailable => launcher.Unavailable;

    public bool UsesTotp => login.Account?.TotpSecret is not null;

    public RunPreview? Preview { get; private set; }

    public string Graph { get; private set; } = "";

    public int HostCount => Preview?.Plan?.Steps.Select(s => s.Host).OfType<string>().Distinct(StringComparer.Ordinal).Count() ?? 0;

    public string? Problem { get; private set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostPreviewAsync(CancellationToken cancellationToken)
    {
        await PreviewAsync(cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostStartAsync([FromForm] string? secondFactor, CancellationToken cancellationToken)
    {
        var outcome = await starter.StartAsync(Launch(), secondFactor, Clients.Address(HttpContext), cancellationToken);
        if (outcome.RunId is { } id)
        {
            return Redirect("/runs/" + Uri.EscapeDataString(id));
        }

        Problem = outcome.Problem;
        Response.StatusCode = StatusCodes.Status400BadRequest;
        await PreviewAsync(cancellationToken);
        return Page();
    }

    private async Task PreviewAsync(CancellationToken cancellationToken)
    {
        Preview = await launcher.PreviewAsync(Launch(), cancellationToken);
        if (Preview.Plan is { } plan)
        {
            Graph = PlanGraphSvg.Render(plan, plan.Steps.ToDictionary(s => s.Id, _ => "pending", StringComparer.Ordinal));
        }
    }

    private RunLaunch Launch() => new(
        Operation,
        new Selection
        {
            On = HostSelector.Split((Hosts ?? "").Replace(' ', ',')),
            Services = HostSelector.Split((Service ?? "").Replace(' ', ',')),
            WithDependents = WithDependents,
        },
        User.Identity!.Name!);
}
