using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Flotilla.Dashboard.Internal;

/// <summary>
/// Authenticates a request by its session cookie against the <see cref="ISessionStore"/>. Without a
/// session, pages redirect to /login (302) and API and event-stream requests get 401.
/// </summary>
internal sealed class SessionAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ISessionStore sessions,
    SessionTokens tokens,
    IOptions<DashboardOptions> dashboard,
    TimeProvider time)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SessionIdClaim = "flotilla:session";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!tokens.TryUnprotect(Request.Cookies[dashboard.Value.CookieName], out var token))
        {
            return AuthenticateResult.NoResult();
        }

        var id = SessionTokens.IdOf(token);
        var session = await sessions.FindAsync(id, Context.RequestAborted).ConfigureAwait(false);
        var now = time.GetUtcNow();
        if (session is null || session.Expires <= now || now - session.LastSeen >= dashboard.Value.IdleTimeout)
        {
            return AuthenticateResult.NoResult();
        }

        if (now - session.LastSeen >= TimeSpan.FromMinutes(1))
        {
            await sessions.TouchAsync(id, now, Context.RequestAborted).ConfigureAwait(false);
        }

        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, session.User), new Claim(SessionIdClaim, id)], Scheme.Name);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (WantsStatusCode(Request))
        {
            Response.StatusCode = StatusCodes.Status401Unauthorized;
            return Task.CompletedTask;
        }

        var returnUrl = Request.PathBase + Request.Path + Request.QueryString;
        Response.Redirect(Request.PathBase + "/login" + (returnUrl is "/" or "" ? "" : "?returnUrl=" + Uri.EscapeDataString(returnUrl)));
        return Task.CompletedTask;
    }

    private static bool WantsStatusCode(HttpRequest request) =>
        request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase)
        || request.Path.StartsWithSegments("/events", StringComparison.OrdinalIgnoreCase)
        || request.Headers.Accept.ToString().Contains("text/event-stream", StringComparison.Ordinal)
        || request.Headers.XRequestedWith == "fetch";
}
