using Flotilla.Dashboard.Internal;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace Flotilla.Dashboard.Pages;

internal sealed class LogoutModel(LoginService login, IOptions<DashboardOptions> options) : PageModel
{
    public IActionResult OnGet() => Redirect("/");

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        await login.LogoutAsync(User.Identity!.Name!, User.FindFirst(SessionAuthenticationHandler.SessionIdClaim)?.Value, Clients.Address(HttpContext), cancellationToken);
        SessionCookie.Clear(HttpContext, options.Value);
        return Redirect("/login");
    }
}
