using Flotilla.ControlPlane.Auth;
using Flotilla.ControlPlane.Store;
using Flotilla.Dashboard;
using Flotilla.Security;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Flotilla.ControlPlane.Dashboard;

/// <summary>
/// Puts the dashboard into the control plane's Kestrel app: its stores are the control plane's
/// database, its fleet and commands the hub and the command service, its runs the run journals.
/// The JSON API then takes a dashboard session as well as an API token (one per request, see
/// <see cref="ApiAuthentication"/>); a state-changing API call the session cookie authenticates
/// must carry the antiforgery token.
/// </summary>
internal static class ControlPlaneDashboard
{
    public static void AddServices(IServiceCollection services, IControlPlaneStore store, DashboardSettings settings)
    {
        services.AddSingleton<IDashboardStore>(store);
        services.AddSingleton<ISessionStore>(store);
        services.AddSingleton<IAuditLog>(store);
        services.AddSingleton<ITotpStepStore>(store);
        services.AddSingleton<FleetTargetTracker>();
        services.AddHostedService(sp => sp.GetRequiredService<FleetTargetTracker>());
        services.AddSingleton<ControlPlaneFleetSource>();
        services.AddSingleton<IFleetSource>(sp => sp.GetRequiredService<ControlPlaneFleetSource>());
        services.AddSingleton<ControlPlaneCommandService>();
        services.AddSingleton<ICommandService>(sp => sp.GetRequiredService<ControlPlaneCommandService>());
        services.AddHostedService<CommandResultAudit>();
        // After the control plane's: the session scheme is the default (pages redirect to /login).
        services.AddFlotillaDashboard(settings.Credentials, settings.Configure);
    }

    /// <summary>
    /// A browser's session cookie rides along on any request to the server, so a POST to the API
    /// that the cookie authenticates must prove it comes from a dashboard page (the X-CSRF-Token
    /// header). Which scheme authenticates is asked of the API's own scheme, so this check and the
    /// API cannot disagree (an Authorization header beside the cookie makes it a token request).
    /// </summary>
    public static void UseApiAntiforgery(WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            var request = context.Request;
            if (request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase)
                && !(HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method))
                && (await context.AuthenticateAsync(ApiAuthentication.RequestScheme).ConfigureAwait(false)).Principal?.Identity is
                    { IsAuthenticated: true, AuthenticationType: DashboardServiceCollectionExtensions.SessionScheme })
            {
                var antiforgery = context.RequestServices.GetRequiredService<IAntiforgery>();
                if (!await antiforgery.IsRequestValidAsync(context).ConfigureAwait(false))
                {
                    context.Response.StatusCode = StatusCodes.Status400BadRequest;
                    await context.Response.WriteAsync("missing or wrong antiforgery token (X-CSRF-Token)\n", context.RequestAborted).ConfigureAwait(false);
                    return;
                }
            }

            await next(context).ConfigureAwait(false);
        });
    }
}
