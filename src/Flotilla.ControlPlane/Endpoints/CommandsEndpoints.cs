using System.Security.Claims;
using Flotilla.Contracts;
using Flotilla.ControlPlane.Auth;
using Flotilla.ControlPlane.Internal;
using Flotilla.ControlPlane.Store;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Flotilla.ControlPlane.Endpoints;

internal static class CommandsEndpoints
{
    /// <summary>The most commands one listing returns.</summary>
    private const int MaxListed = 100_000;

    public static IEndpointRouteBuilder MapCommandsApi(this IEndpointRouteBuilder app)
    {
        var commands = app.MapGroup("/api/commands").RequireAuthorization(ApiAuthentication.Policy);

        // Sending and killing go through the gate: a token within its scope, a session with its
        // second factor for a dangerous op; audited either way.
        commands.MapPost("/", (CreateCommandsRequest request, HttpContext context, ApiCommandGate gate) =>
            gate.SendAsync(request, ApiCaller.From(context.User), Client(context), context.RequestAborted));

        commands.MapGet("/", async Task<Results<Ok<IReadOnlyList<CommandView>>, BadRequest<ErrorView>>> (string? batch, string? host, string? state, int? limit, IControlPlaneStore store, CancellationToken cancellationToken) =>
        {
            CommandState? filter = null;
            if (state is not null)
            {
                if (!CommandStates.TryParse(state, out var parsed))
                {
                    return TypedResults.BadRequest(new ErrorView($"unknown state \"{state}\"; states: queued, running, succeeded, failed, timed-out, lost"));
                }

                filter = parsed;
            }

            if (limit is < 1 or > MaxListed)
            {
                return TypedResults.BadRequest(new ErrorView($"limit must be between 1 and {MaxListed}, not {limit}"));
            }

            var found = await store.ListCommandsAsync(new CommandQuery(batch, host, filter, limit ?? 1000), cancellationToken).ConfigureAwait(false);
            IReadOnlyList<CommandView> views = [.. found.Select(CommandView.From)];
            return TypedResults.Ok(views);
        });

        commands.MapGet("/{id}", async Task<Results<Ok<CommandView>, NotFound>> (string id, IControlPlaneStore store, CancellationToken cancellationToken) =>
            await store.GetCommandAsync(id, cancellationToken).ConfigureAwait(false) is { } command
                ? TypedResults.Ok(CommandView.From(command))
                : TypedResults.NotFound());

        commands.MapGet("/{id}/output", async Task<Results<Ok<IReadOnlyList<OutputLineView>>, NotFound, BadRequest<ErrorView>>> (string id, long? after, IControlPlaneStore store, CancellationToken cancellationToken) =>
        {
            if (after is < 0)
            {
                return TypedResults.BadRequest(new ErrorView($"after must be 0 or more (a line number), not {after}"));
            }

            if (await store.GetCommandAsync(id, cancellationToken).ConfigureAwait(false) is not { } command)
            {
                return TypedResults.NotFound();
            }

            var lines = await store.ReadOutputAsync(id, after ?? 0, 100_000, cancellationToken).ConfigureAwait(false);
            IReadOnlyList<OutputLineView> views = [.. lines.Select(l => OutputStreaming.View(l, command.Host))];
            return TypedResults.Ok(views);
        });

        commands.MapGet("/{id}/stream", (string id, OutputStreaming streaming, HttpContext context) =>
            streaming.StreamAsync(context, commandId: id, batchId: null));

        commands.MapGet("/stream", (string batch, OutputStreaming streaming, HttpContext context) =>
            streaming.StreamAsync(context, commandId: null, batchId: batch));

        commands.MapPost("/{id}/kill", (string id, HttpContext context, ApiCommandGate gate) =>
            gate.KillAsync(id, ApiCaller.From(context.User), Client(context), context.RequestAborted));

        return app;
    }

    /// <summary>The client's address (after trusted proxies' X-Forwarded-For), for the audit log.</summary>
    private static string Client(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
}
