using Flotilla.ControlPlane.Auth;
using Flotilla.ControlPlane.Internal;
using Flotilla.ControlPlane.Store;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Flotilla.ControlPlane.Endpoints;

internal static class AgentEndpoints
{
    /// <summary><c>/ws</c>: agents connect with <c>Authorization: Bearer &lt;host token&gt;</c>; anything else is 401 and the connection closed.</summary>
    public static IEndpointRouteBuilder MapAgentSocket(this IEndpointRouteBuilder app)
    {
        app.Map("/ws", async (HttpContext context, IControlPlaneStore store, AgentHub hub, ControlPlaneOptions options, IHostApplicationLifetime lifetime) =>
        {
            var token = BearerToken.From(context.Request.Headers.Authorization);
            string? host = null;
            string? hash = null;
            var enrolled = false;
            if (token is not null)
            {
                hash = Tokens.Hash(token);
                host = await store.FindHostByTokenHashAsync(hash, context.RequestAborted).ConfigureAwait(false);
                enrolled = host is null && options.EnrolmentToken is { Length: > 0 } shared && Tokens.SecretEquals(token, shared);
            }

            if (host is null && !enrolled)
            {
                context.Response.Headers.Connection = "close";
                context.Response.Headers.WWWAuthenticate = "Bearer";
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                return;
            }

            if (!context.WebSockets.IsWebSocketRequest)
            {
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                await context.Response.WriteAsync("/ws takes WebSocket connections from agents\n", context.RequestAborted).ConfigureAwait(false);
                return;
            }

            using var socket = await context.WebSockets.AcceptWebSocketAsync().ConfigureAwait(false);
            var session = new AgentSession(socket, host, enrolled ? null : hash, hub);
            await session.RunAsync(lifetime.ApplicationStopping).ConfigureAwait(false);
        }).AddEndpointFilter(AdmitAsync);
        return app;
    }

    /// <summary>
    /// Before anything else on <c>/ws</c>: past the agent limit (<see cref="AgentAdmission"/>),
    /// 503 with the reason in <c>X-Flotilla-Refused</c> and the body, and <c>Retry-After</c>; the
    /// place an admitted connection takes is given back when it ends.
    /// </summary>
    private static async ValueTask<object?> AdmitAsync(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        var context = invocation.HttpContext;
        var admission = context.RequestServices.GetRequiredService<AgentAdmission>();
        var (admitted, reason, _) = admission.TryAdmit();
        if (!admitted)
        {
            context.Response.Headers.Connection = "close";
            context.Response.Headers.RetryAfter = ((int)AgentAdmission.RetryAfter.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
            context.Response.Headers["X-Flotilla-Refused"] = reason;
            return TypedResults.Text(reason + "\n", statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        try
        {
            return await next(invocation).ConfigureAwait(false);
        }
        finally
        {
            admission.Leave();
        }
    }
}
