using Flotilla.Dashboard.Internal;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace Flotilla.Dashboard.Pages;

internal sealed class LoginModel(LoginService login, IOptions<DashboardOptions> options) : PageModel
{
    [BindProperty]
    public string? Password { get; set; }

    [BindProperty]
    public string? Code { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public string? Error { get; private set; }

    public bool NoUser => login.Account is null;

    public bool NeedsCode => login.Account?.TotpSecret is not null;

    public IActionResult OnGet() => User.Identity?.IsAuthenticated == true ? LocalRedirect(SafeReturnUrl()) : Page();

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        var outcome = await login.LoginAsync(Password, Code, Clients.Address(HttpContext), cancellationToken);
        // Neither the password nor a used code is put back into the form.
        ModelState.Remove(nameof(Password));
        ModelState.Remove(nameof(Code));
        Password = null;
        Code = null;
        if (outcome.Succeeded)
        {
            SessionCookie.Set(HttpContext, options.Value, outcome.CookieValue!);
            return LocalRedirect(SafeReturnUrl());
        }

        if (outcome.LockedOut)
        {
            Response.StatusCode = StatusCodes.Status429TooManyRequests;
            Response.Headers.RetryAfter = ((int)Math.Ceiling(outcome.RetryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            Error = $"Too many failed logins from your address: try again in {Math.Ceiling(outcome.RetryAfter.TotalMinutes):0} min.";
            return Page();
        }

        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Error = NoUser
            ? "Nobody can log in: no user is configured."
            : "Wrong password or code. A code works once: if you just used it, wait for the next one.";
        return Page();
    }

    private string SafeReturnUrl() => ReturnUrl is { } url && Url.IsLocalUrl(url) && !url.StartsWith("/login", StringComparison.OrdinalIgnoreCase) ? url : "/";
}
