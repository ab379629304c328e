using System.Text.Json;
using Flotilla.Contracts;
using Flotilla.ControlPlane.Auth;
using Flotilla.ControlPlane.Runs;
using Flotilla.Execution;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Flotilla.ControlPlane.Endpoints;

/// <summary>
/// <c>/api/leases</c>: runs' leases on hosts kept by the server (<see cref="StoreHostLeases"/>),
/// for <c>deploy|rollback --server</c>, so runs started on different machines exclude each other
/// and the runs the server hosts. Listing takes any token or session; taking, renewing and
/// releasing a token of scope ops or exec.
/// </summary>
internal static class LeasesEndpoints
{
    public static IEndpointRouteBuilder MapLeasesApi(this IEndpointRouteBuilder app)
    {
        var leases = app.MapGroup("/api/leases").RequireAuthorization(ApiAuthentication.Policy);
        leases.MapGet("/", async (StoreHostLeases store, CancellationToken cancellationToken) =>
        {
            IReadOnlyList<JsonElement> all = [.. (await store.ListAsync(cancellationToken).ConfigureAwait(false)).Select(Element)];
            return TypedResults.Json(all, ApiJsonContext.Default.IReadOnlyListJsonElement);
        });

        leases.MapPost("/", async Task<IResult> (LeaseMessage message, HttpContext context, StoreHostLeases store, CancellationToken cancellationToken) =>
        {
            if (Refusal(context) is { } refused)
            {
                return refused;
            }

            if (Read(message) is not { } lease)
            {
                return NotALease();
            }

            var holder = await store.TryTakeAsync(lease, cancellationToken).ConfigureAwait(false);
            return TypedResults.Json(new LeaseTakeAnswer(holder is null ? null : Element(holder)), ApiJsonContext.Default.LeaseTakeAnswer);
        });

        leases.MapPut("/{token}", async Task<IResult> (string token, LeaseMessage message, HttpContext context, StoreHostLeases store, CancellationToken cancellationToken) =>
        {
            if (Refusal(context) is { } refused)
            {
                return refused;
            }

            if (Read(message) is not { } lease || lease.Token != token)
            {
                return NotALease();
            }

            return TypedResults.Json(new LeaseUpdateAnswer(await store.UpdateAsync(lease, cancellationToken).ConfigureAwait(false)), ApiJsonContext.Default.LeaseUpdateAnswer);
        });

        leases.MapDelete("/{token}", async Task<IResult> (string token, HttpContext context, StoreHostLeases store, CancellationToken cancellationToken) =>
        {
            if (Refusal(context) is { } refused)
            {
                return refused;
            }

            var held = (await store.ListAsync(cancellationToken).ConfigureAwait(false)).FirstOrDefault(l => l.Token == token);
            if (held is not null)
            {
                await store.ReleaseAsync(held, cancellationToken).ConfigureAwait(false);
            }

            return TypedResults.NoContent();
        });
        return app;
    }

    private static IResult? Refusal(HttpContext context) =>
        ApiCaller.From(context.User) is ApiCaller.Token { Scope: not ApiTokenScope.Read }
            ? null
            : TypedResults.Json(new ErrorView("leases are taken with an API token of scope ops or exec (flotilla tokens create-api NAME --scope exec), as deploy --server does"), ApiJsonContext.Default.ErrorView, statusCode: StatusCodes.Status403Forbidden);

    private static IResult NotALease() =>
        TypedResults.BadRequest(new ErrorView("not a lease: the body is {\"lease\": {holder, operation, hosts, token, acquired, expires, ...}}, and a renewal's token is the one in its path"));

    private static HostLeaseHolder? Read(LeaseMessage message)
    {
        try
        {
            return message.Lease.ValueKind == JsonValueKind.Object ? HostLeaseHolder.FromJson(message.Lease.GetRawText()) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static JsonElement Element(HostLeaseHolder lease)
    {
        using var document = JsonDocument.Parse(lease.ToJson());
        return document.RootElement.Clone();
    }
}
