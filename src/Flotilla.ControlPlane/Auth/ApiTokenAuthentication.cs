using System.Security.Claims;
using System.Text.Encodings.Web;
using Flotilla.ControlPlane.Store;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Flotilla.ControlPlane.Auth;

/// <summary>
/// Names of the API's authentication. A request is authenticated by exactly one scheme:
/// <see cref="RequestScheme"/> (the <see cref="Policy"/>'s) forwards a request with an
/// <c>Authorization</c> header to the API token scheme, whatever cookies it carries, and one without
/// to the dashboard's session (when the server has a dashboard). So a cookie never authenticates
/// a request that names a token, and a request the cookie authenticates has no token to excuse
/// it from the CSRF check.
/// </summary>
public static class ApiAuthentication
{
    /// <summary><c>Authorization: Bearer &lt;API token&gt;</c>.</summary>
    public const string Scheme = "ApiToken";

    /// <summary>The policy scheme that picks one scheme per request (see the class).</summary>
    public const string RequestScheme = "FlotillaApi";

    public const string Policy = "api";

    /// <summary>The claim holding an API token's scope (<see cref="ApiTokenScopes.ToName"/>).</summary>
    public const string ScopeClaim = "flotilla:scope";

    /// <summary>The scheme that authenticates <paramref name="request"/>: by its <c>Authorization</c> header alone.</summary>
    public static string SchemeFor(Microsoft.AspNetCore.Http.HttpRequest request, string? sessionScheme) =>
        request.Headers.ContainsKey(Microsoft.Net.Http.Headers.HeaderNames.Authorization) || sessionScheme is null ? Scheme : sessionScheme;
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

        var found = await store.FindApiTokenAsync(Tokens.Hash(token), Context.RequestAborted).ConfigureAwait(false);
        if (found is null)
        {
            return AuthenticateResult.Fail("unknown or revoked API token");
        }

        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, "token:" + found.Name), new Claim(ApiAuthentication.ScopeClaim, found.Scope.ToName())],
            ApiAuthentication.Scheme);
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
