using System.Data.Common;
using Flotilla.ControlPlane.Internal;
using Flotilla.ControlPlane.Store;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace Flotilla.ControlPlane.Endpoints;

internal static partial class HealthEndpoints
{
    /// <summary>How long <c>/healthz</c> waits for the store: below a container healthcheck's usual timeout (5 s).</summary>
    private static readonly TimeSpan StoreTimeout = TimeSpan.FromSeconds(3);

    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        // Open to anyone (a container healthcheck, a proxy): it says only whether the store
        // answers; why it does not goes to the server's log, not to an unauthenticated caller.
        app.MapGet("/healthz", HealthAsync).AllowAnonymous();
        app.MapGet("/metrics", async (ControlPlaneMetrics metrics, HttpContext context) =>
        {
            context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            await metrics.ExportAsync(context.Response.Body, context.RequestAborted).ConfigureAwait(false);
        }).AllowAnonymous();
        return app;
    }

    private static async Task<ContentHttpResult> HealthAsync(IControlPlaneStore store, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(StoreTimeout);
        try
        {
            await store.PingAsync(timeout.Token).ConfigureAwait(false);
            return TypedResults.Text("ok\n");
        }
        catch (Exception e) when (e is DbException or IOException or InvalidOperationException or TimeoutException
            || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            var reason = e is OperationCanceledException ? $"no answer within {StoreTimeout.TotalSeconds} s" : e.Message;
            StoreNotAnswering(loggers.CreateLogger(typeof(HealthEndpoints).FullName!), reason, e);
            return TypedResults.Text("unhealthy: the store does not answer (the server's log says why)\n", statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }

    [LoggerMessage(EventId = 500, Level = LogLevel.Error, Message = "/healthz: the store does not answer: {Reason}")]
    private static partial void StoreNotAnswering(ILogger logger, string reason, Exception exception);
}
