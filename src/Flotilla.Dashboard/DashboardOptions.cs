using Flotilla.Security;

namespace Flotilla.Dashboard;

/// <summary>How the dashboard behaves; set through <c>AddFlotillaDashboard(options => ...)</c>.</summary>
public sealed class DashboardOptions
{
    /// <summary>Shown in the title bar and the authenticator app's issuer.</summary>
    public string Title { get; set; } = "Flotilla";

    public string CookieName { get; set; } = "flotilla_session";

    /// <summary>A session ends this long after login, whatever happens.</summary>
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(12);

    /// <summary>A session ends after this long without a request.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromHours(2);

    /// <summary>
    /// Proxies (addresses or CIDR networks, e.g. "172.16.0.0/12" for a Traefik in Docker) whose
    /// X-Forwarded-For and X-Forwarded-Proto are believed: the client address for rate limiting and
    /// the audit log, and https for Secure cookies. Loopback is always trusted.
    /// </summary>
    public IList<string> TrustedProxies { get; } = [];

    /// <summary>
    /// Where ASP.NET's data protection keys (antiforgery tokens, TempData) are kept, e.g. under the
    /// server's data directory; null keeps them in memory, so forms opened before a restart need a
    /// reload after it. Sessions do not depend on them (they are signed with the session secret).
    /// Read once, when <c>AddFlotillaDashboard</c> runs. The directory is created 0700 and each key file written 0600.
    /// </summary>
    public string? KeysDirectory { get; set; }

    /// <summary>Where run journals are read from (<c>STATE/runs</c>); null: the CLI's default state directory.</summary>
    public string? StateDirectory { get; set; }

    /// <summary>Whether the host page offers a box for arbitrary commands (the server must allow them too).</summary>
    public bool AllowArbitraryCommands { get; set; } = true;

    public LoginThrottleOptions LoginThrottle { get; set; } = new();

    public TotpOptions Totp { get; set; } = TotpOptions.Default;
}
