using System.Security.Claims;
using System.Text.Encodings.Web;
using Flotilla.ControlPlane.Store;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Flotilla.ControlPlane.Auth;

/// <summary>
/// Names of the API's authentication. The <see cref="Policy"/> accepts any scheme listed in
/// <see cref="Schemes"/>: the dashboard adds its session cookie scheme there.
/// </summary>
public static class ApiAuthentication
{
    public const string Scheme = "ApiToken";
    public const string Policy = "api";

    /// <summary>The schemes the API policy accepts; add a cookie scheme's name before the server starts.</summary>
    public static IList<string> Schemes { get; } = [Scheme];
}

/// <summary><c>Authorization: Bearer &lt;api token&gt;</c>: the token's hash must name an unrevoked API token.</summary>
internal sealed class ApiTokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IControlPlaneStore store) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var token = BearerToken.From(Request.Headers.Authorization);
        if (token is null)
        {
            return AuthenticateResult.NoResult();
        }

        var name = await store.FindApiTokenAsync(Tokens.Hash(token), Context.RequestAborted).ConfigureAwait(false);
        if (name is null)
        {
            return AuthenticateResult.Fail("unknown or revoked API token");
        }

        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, "token:" + name)], ApiAuthentication.Scheme);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), ApiAuthentication.Scheme));
    }
}

internal static class BearerToken
{
    public static string? From(string? header)
    {
        const string Prefix = "Bearer ";
        if (header is null || !header.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var token = header[Prefix.Length..].Trim();
        return token.Length == 0 ? null : token;
    }
}
