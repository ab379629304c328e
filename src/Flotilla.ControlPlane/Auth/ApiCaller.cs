using System.Security.Claims;
using Flotilla.Dashboard;

namespace Flotilla.ControlPlane.Auth;

/// <summary>Who calls the API, by the one scheme that authenticated the request.</summary>
internal abstract record ApiCaller
{
    /// <summary>An API token (automation): held to its scope; its commands say <c>token:NAME</c>.</summary>
    public sealed record Token(string Name, ApiTokenScope Scope) : ApiCaller
    {
        public string Actor => "token:" + Name;
    }

    /// <summary>A person logged in to the dashboard, calling with the session cookie.</summary>
    public sealed record Session(string User) : ApiCaller;

    public static ApiCaller? From(ClaimsPrincipal principal) => principal.Identity switch
    {
        { IsAuthenticated: true, AuthenticationType: ApiAuthentication.Scheme, Name: { } name } when name.StartsWith("token:", StringComparison.Ordinal) =>
            new Token(name["token:".Length..], ApiTokenScopes.TryParse(principal.FindFirstValue(ApiAuthentication.ScopeClaim), out var scope) ? scope : ApiTokenScope.Read),
        { IsAuthenticated: true, AuthenticationType: DashboardServiceCollectionExtensions.SessionScheme, Name: { } user } => new Session(user),
        _ => null,
    };
}
