using Flotilla.Dashboard.Internal;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace Flotilla.Dashboard.Pages;

internal sealed class HostModel(IFleetSource fleet, ICommandService commands, CommandSender sender, LoginService login, IOptions<DashboardOptions> options, TimeProvider time) : PageModel
{
    /// <summary>The time the page's ages are counted to (the script counts them on from there).</summary>
    public DateTimeOffset Now { get; } = time.GetUtcNow();

    [BindProperty(SupportsGet = true)]
    public string Name { get; set; } = "";

    [BindProperty(SupportsGet = true, Name = "command")]
    public string? CommandId { get; set; }

    public HostDetail? Detail { get; private set; }

    public IReadOnlyList<CommandRecord> Commands { get; private set; } = [];

    public CommandRecord? Selected { get; private set; }

    [TempData]
    public string? Message { get; set; }

    public bool Failed { get; private set; }

    public bool UsesTotp => login.Account?.TotpSecret is not null;

    public bool AllowArbitraryCommands => options.Value.AllowArbitraryCommands;

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken) =>
        await LoadAsync(cancellationToken) ? Page() : NotFound();

    public async Task<IActionResult> OnPostSendAsync([FromForm] string operation, [FromForm] string? commandLine, [FromForm] string? secondFactor, CancellationToken cancellationToken)
    {
        if (!AllowArbitraryCommands && operation == Ops.Exec)
        {
            return BadRequest();
        }

        var outcome = await sender.SendAsync(User.Identity!.Name!, [Name], operation, commandLine, secondFactor, Clients.Address(HttpContext), cancellationToken);
        if (outcome.Sent)
        {
            Message = outcome.Message;
            return Redirect($"/hosts/{Uri.EscapeDataString(Name)}?command={Uri.EscapeDataString(outcome.Commands[0].Id)}");
        }

        Response.StatusCode = outcome.StepUpFailed ? StatusCodes.Status403Forbidden : StatusCodes.Status400BadRequest;
        Failed = true;
        Message = outcome.Message;
        return await LoadAsync(cancellationToken) ? Page() : NotFound();
    }

    public async Task<IActionResult> OnPostKillAsync([FromForm(Name = "CommandId")] string commandId, CancellationToken cancellationToken)
    {
        var killed = await sender.KillAsync(User.Identity!.Name!, commandId, Clients.Address(HttpContext), cancellationToken);
        Message = killed ? "Asked the agent to stop the command." : "The command had already finished.";
        return Redirect($"/hosts/{Uri.EscapeDataString(Name)}?command={Uri.EscapeDataString(commandId)}");
    }

    private async Task<bool> LoadAsync(CancellationToken cancellationToken)
    {
        Detail = await fleet.GetHostAsync(Name, cancellationToken);
        if (Detail is null)
        {
            return false;
        }

        Commands = await commands.ListAsync(Name, 50, cancellationToken);
        Selected = CommandId is null ? null : await commands.GetAsync(CommandId, cancellationToken);
        if (Selected is not null && Selected.Host != Name)
        {
            Selected = null;
        }

        return true;
    }
}
