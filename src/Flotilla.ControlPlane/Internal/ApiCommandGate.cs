using System.Collections.Immutable;
using Flotilla.ControlPlane.Auth;
using Flotilla.ControlPlane.Store;
using Flotilla.Dashboard;
using Flotilla.Contracts;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Flotilla.ControlPlane.Internal;

/// <summary>
/// How the API sends and kills commands, by who calls. An API token is held to its scope (read
/// sends nothing, ops the fixed ops, exec arbitrary commands too) and every attempt is audited as
/// <c>token:NAME</c>. A dashboard session goes through the dashboard's own sender
/// (<see cref="ISessionCommandSender"/>), as its forms do: a fresh second factor for a dangerous
/// op, and its audit entry. Nothing else sends commands for the API.
/// </summary>
internal sealed class ApiCommandGate(CommandService commands, IControlPlaneStore store, ControlPlaneOptions options, IServiceProvider services)
{
    public async Task<IResult> SendAsync(CreateCommandsRequest request, ApiCaller? caller, string client, CancellationToken cancellationToken) => caller switch
    {
        ApiCaller.Token token => await SendAsync(request, token, client, cancellationToken).ConfigureAwait(false),
        ApiCaller.Session session => await SendAsync(request, session, client, cancellationToken).ConfigureAwait(false),
        _ => TypedResults.Unauthorized(),
    };

    public async Task<IResult> KillAsync(string id, ApiCaller? caller, string client, CancellationToken cancellationToken)
    {
        var stored = await store.GetCommandAsync(id, cancellationToken).ConfigureAwait(false);
        if (caller is ApiCaller.Token { Scope: ApiTokenScope.Read } reader)
        {
            await AuditAsync(reader.Actor, AuditActions.Kill, id, null, "refused: scope read", client, cancellationToken).ConfigureAwait(false);
            return Forbidden($"the API token {reader.Name} has scope read: it kills nothing (flotilla tokens create-api NAME --scope ops)");
        }

        if (stored is null)
        {
            return TypedResults.NotFound();
        }

        switch (caller)
        {
            case ApiCaller.Session session:
                if (stored.State.IsTerminal())
                {
                    return TypedResults.Conflict(new ErrorView($"the command is already {stored.State.ToName()}"));
                }

                return await Sender().KillAsync(session.User, id, client, cancellationToken).ConfigureAwait(false)
                    ? TypedResults.Accepted((string?)null, new ErrorView("kill sent"))
                    : TypedResults.Conflict(new ErrorView("the command has already ended"));
            case ApiCaller.Token token:
                var (_, error) = await commands.KillAsync(id, cancellationToken).ConfigureAwait(false);
                var ended = error is not null && error.StartsWith("the command is already", StringComparison.Ordinal);
                await AuditAsync(token.Actor, AuditActions.Kill, id, null, ended ? error! : "ok", client, cancellationToken).ConfigureAwait(false);
                return ended ? TypedResults.Conflict(new ErrorView(error!)) : TypedResults.Accepted((string?)null, new ErrorView(error ?? "kill sent"));
            default:
                return TypedResults.Unauthorized();
        }
    }

    private async Task<IResult> SendAsync(CreateCommandsRequest request, ApiCaller.Token token, string client, CancellationToken cancellationToken)
    {
        var what = Ops.Describe(request.Op, request.Argv is null ? [] : [.. request.Argv]);
        var refusal = token.Scope switch
        {
            ApiTokenScope.Read => $"the API token {token.Name} has scope read: it sends nothing (flotilla tokens create-api NAME --scope ops, or exec)",
            ApiTokenScope.Ops when request.Op == Ops.Exec => $"the API token {token.Name} has scope ops: arbitrary commands (op exec) need a token made with --scope exec",
            _ => null,
        };
        if (refusal is not null)
        {
            await AuditAsync(token.Actor, AuditActions.Command, request.On, what, "refused: " + refusal, client, cancellationToken).ConfigureAwait(false);
            return Forbidden(refusal);
        }

        var (created, error) = await commands.CreateAsync(request, token.Actor, cancellationToken).ConfigureAwait(false);
        if (error is not null)
        {
            await AuditAsync(token.Actor, AuditActions.Command, request.On, what, "refused: " + error, client, cancellationToken).ConfigureAwait(false);
            return TypedResults.BadRequest(new ErrorView(error!));
        }

        await AuditAsync(
            token.Actor,
            AuditActions.Command,
            string.Join(',', created.Select(c => c.Host)),
            what,
            "queued " + string.Join(',', created.Select(c => c.Id)),
            client,
            cancellationToken).ConfigureAwait(false);
        return Created(CreateCommandsResponse.From(created));
    }

    private async Task<IResult> SendAsync(CreateCommandsRequest request, ApiCaller.Session session, string client, CancellationToken cancellationToken)
    {
        var (hosts, error) = await commands.SelectAsync(request.On, cancellationToken).ConfigureAwait(false);
        if (error is not null)
        {
            return TypedResults.BadRequest(new ErrorView(error));
        }

        var outcome = await Sender().SendAsync(
            new CommandRequest([.. hosts], request.Op, request.Argv is null ? [] : [.. request.Argv], session.User)
            {
                TimeoutSeconds = request.TimeoutSeconds,
                ExpiresInSeconds = request.ExpiresInSeconds,
            },
            request.SecondFactor,
            client,
            cancellationToken).ConfigureAwait(false);
        if (!outcome.Sent)
        {
            return outcome.StepUpFailed ? Forbidden(outcome.Message) : TypedResults.BadRequest(new ErrorView(outcome.Message));
        }

        return Created(CreateCommandsResponse.From(outcome.Commands));
    }

    private ISessionCommandSender Sender() => services.GetRequiredService<ISessionCommandSender>();

    private static IResult Created(CreateCommandsResponse response) => TypedResults.Created($"/api/commands?batch={response.BatchId}", response);

    private static IResult Forbidden(string message) => TypedResults.Json(new ErrorView(message), ApiJsonContext.Default.ErrorView, statusCode: StatusCodes.Status403Forbidden);

    private ValueTask AuditAsync(string actor, string action, string? target, string? detail, string result, string client, CancellationToken cancellationToken) =>
        store.AppendAsync(new AuditEntry(options.TimeProvider.GetUtcNow(), actor, action, target, detail, result, client), cancellationToken);
}
