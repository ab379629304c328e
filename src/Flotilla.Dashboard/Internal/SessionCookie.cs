using Microsoft.AspNetCore.Http;

namespace Flotilla.Dashboard.Internal;

/// <summary>
/// The session cookie: HttpOnly, SameSite=Lax (a link from elsewhere lands logged in; every
/// state change also needs its antiforgery token), Secure when the request came over https
/// (directly, or as X-Forwarded-Proto from a trusted proxy).
/// </summary>
internal static class SessionCookie
{
    public static void Set(HttpContext context, DashboardOptions options, string value) =>
        context.Response.Cookies.Append(options.CookieName, value, Options(context, options));

    public static void Clear(HttpContext context, DashboardOptions options) =>
        context.Response.Cookies.Delete(options.CookieName, Options(context, options));

    private static CookieOptions Options(HttpContext context, DashboardOptions options) => new()
    {
        HttpOnly = true,
        SameSite = SameSiteMode.Lax,
        Secure = context.Request.IsHttps,
        Path = "/",
        MaxAge = options.SessionLifetime,
        IsEssential = true,
    };
}
