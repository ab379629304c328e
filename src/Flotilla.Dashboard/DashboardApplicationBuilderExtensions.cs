using System.Net;
using Flotilla.Dashboard.Internal;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Flotilla.Dashboard;

public static class DashboardApplicationBuilderExtensions
{
    /// <summary>
    /// The dashboard's middleware, first in the pipeline: forwarded headers from trusted proxies
    /// (client address, https), security headers, authentication and authorization.
    /// </summary>
    public static IApplicationBuilder UseFlotillaDashboard(this IApplicationBuilder app)
    {
        var options = app.ApplicationServices.GetRequiredService<IOptions<DashboardOptions>>().Value;
        var forwarded = new ForwardedHeadersOptions { ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto };
        foreach (var proxy in options.TrustedProxies)
        {
            forwarded.KnownIPNetworks.Add(proxy.Contains('/', StringComparison.Ordinal)
                ? System.Net.IPNetwork.Parse(proxy)
                : new System.Net.IPNetwork(IPAddress.Parse(proxy), IPAddress.Parse(proxy).AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128));
        }

        app.UseForwardedHeaders(forwarded);
        app.Use(SecurityHeaders.ApplyAsync);
        app.UseAuthentication();
        app.UseAuthorization();
        return app;
    }

    /// <summary>The dashboard's pages (/login, /logout, /enroll, /, /hosts/NAME, /runs, /runs/ID, /audit), event streams (/events...) and assets (/_flotilla/...).</summary>
    public static IEndpointRouteBuilder MapFlotillaDashboard(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapRazorPages();
        endpoints.MapAssets();
        endpoints.MapEventStreams();
        return endpoints;
    }
}
