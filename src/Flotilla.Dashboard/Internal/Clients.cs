using Microsoft.AspNetCore.Http;

namespace Flotilla.Dashboard.Internal;

internal static class Clients
{
    /// <summary>The client's address (after trusted proxies' X-Forwarded-For), the key for rate limiting and the audit log.</summary>
    public static string Address(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
}
