using System.Text;
using Flotilla.Security;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace Flotilla.Dashboard.Pages;

/// <summary>Enrolment of a new TOTP secret: shown as an otpauth:// URI and its QR code, checked with a code from the app, then printed for the configuration.</summary>
internal sealed class EnrollModel(CredentialSettings credentials, TotpValidator totp, IOptions<DashboardOptions> options) : PageModel
{
    public bool Configured => credentials.Account?.TotpSecret is not null;

    public string Secret { get; private set; } = "";

    public string Uri { get; private set; } = "";

    public string QrBase64 { get; private set; } = "";

    public bool Confirmed { get; private set; }

    public string? Error { get; private set; }

    public void OnGet() => Show(TotpSecret.Generate());

    public IActionResult OnPost([FromForm] string? secret, [FromForm] string? code)
    {
        if (!TotpSecret.TryParse(secret, out var parsed, out _))
        {
            return BadRequest();
        }

        Show(parsed!);
        if (totp.MatchingStep(parsed!, code) is null)
        {
            Error = "That code does not match: check the app's clock and try the next code.";
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        Confirmed = true;
        return Page();
    }

    private void Show(TotpSecret secret)
    {
        var enrollment = new TotpEnrollment(secret, options.Value.Title, User.Identity?.Name ?? CredentialLoader.DefaultUser, options.Value.Totp);
        Secret = secret.Base32Text;
        Uri = enrollment.Uri;
        QrBase64 = Convert.ToBase64String(Encoding.UTF8.GetBytes(enrollment.QrSvg()));
    }
}
