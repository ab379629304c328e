using Flotilla.Dashboard.Internal;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Flotilla.Dashboard.Pages;

internal sealed class FleetModel(IFleetSource fleet, CommandSender sender, LoginService login) : PageModel
{
    public IReadOnlyList<HostSummary> Hosts { get; private set; } = [];

    public IEnumerable<HostSummary> Visible => Tag is null ? Hosts : Hosts.Where(h => h.Tags.Contains(Tag));

    public IReadOnlyList<string> Tags => [.. Hosts.SelectMany(h => h.Tags).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];

    [BindProperty(SupportsGet = true)]
    public string? Tag { get; set; }

    [TempData]
    public string? Message { get; set; }

    public bool Failed { get; private set; }

    public bool UsesTotp => login.Account?.TotpSecret is not null;

    public FleetTargetSummary? Target { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        Hosts = await fleet.ListHostsAsync(cancellationToken);
        Target = await fleet.GetTargetAsync(cancellationToken);
    }

    public async Task<IActionResult> OnPostBulkAsync([FromForm(Name = "Hosts")] List<string> hosts, [FromForm] string operation, [FromForm] string? secondFactor, CancellationToken cancellationToken)
    {
        var outcome = await sender.SendAsync(User.Identity!.Name!, [.. hosts], operation, null, secondFactor, Clients.Address(HttpContext), cancellationToken);
        if (outcome.Sent)
        {
            Message = outcome.Message;
            return Redirect("/");
        }

        Response.StatusCode = outcome.StepUpFailed ? StatusCodes.Status403Forbidden : StatusCodes.Status400BadRequest;
        Failed = true;
        Message = outcome.Message;
        Hosts = await fleet.ListHostsAsync(cancellationToken);
        Target = await fleet.GetTargetAsync(cancellationToken);
        return Page();
    }
}
