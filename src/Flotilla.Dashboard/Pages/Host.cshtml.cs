using Flotilla.Dashboard.Internal;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace Flotilla.Dashboard.Pages;

internal sealed class HostModel(IFleetSource fleet, ICommandService commands, CommandSender sender, IRunLauncher launcher, RunStarter starter, LoginService login, IOptions<DashboardOptions> options, TimeProvider time) : PageModel
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

    /// <summary>The server has the inventory: switch deploys a host it names through the engine.</summary>
    public bool SwitchDeploys => launcher.Unavailable is null;

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken) =>
        await LoadAsync(cancellationToken) ? Page() : NotFound();

    public async Task<IActionResult> OnPostSendAsync([FromForm] string operation, [FromForm] string? commandLine, [FromForm] string? secondFactor, CancellationToken cancellationToken)
    {
        if (!AllowArbitraryCommands && operation == Ops.Exec)
        {
            return BadRequest();
        }

        if (operation == Ops.Switch && await DeployAsync(secondFactor, cancellationToken) is { } deployed)
        {
            return deployed;
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

    /// <summary>
    /// Switch, when the server's inventory names the host: a one-host deploy through the engine
    /// (build, copy, activation under the watchdog, health gates, confirmation), not the agent's
    /// bare <c>nixos-rebuild switch</c>; as every run, with a fresh code. Null: the inventory does
    /// not name the host (or there is none), and the agent's switch goes as before.
    /// </summary>
    private async Task<IActionResult?> DeployAsync(string? secondFactor, CancellationToken cancellationToken)
    {
        if (launcher.Unavailable is not null)
        {
            return null;
        }

        var launch = new RunLaunch(RunOperation.Deploy, new Planning.Selection { On = [Name] }, User.Identity!.Name!);
        if ((await launcher.PreviewAsync(launch, cancellationToken)).Plan is null)
        {
            return null;
        }

        var outcome = await starter.StartAsync(launch, secondFactor, Clients.Address(HttpContext), cancellationToken);
        if (outcome.RunId is { } id)
        {
            return Redirect("/runs/" + Uri.EscapeDataString(id));
        }

        Response.StatusCode = StatusCodes.Status400BadRequest;
        Failed = true;
        Message = outcome.Problem;
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
