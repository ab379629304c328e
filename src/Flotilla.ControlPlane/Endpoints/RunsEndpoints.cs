using Flotilla.Contracts;
using Flotilla.ControlPlane.Auth;
using Flotilla.ControlPlane.Store;
using Flotilla.Dashboard;
using Flotilla.Execution;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Flotilla.ControlPlane.Endpoints;

/// <summary>
/// <c>/api/runs</c>: the runs the server keeps (its state directory, the one the dashboard's runs
/// page shows), and journals pushed by runs started elsewhere (<c>deploy --server</c>), so a run
/// started anywhere is seen in both. Pushing needs an API token of scope ops or exec; it is audited.
/// </summary>
internal static class RunsEndpoints
{
    public static IEndpointRouteBuilder MapRunsApi(this IEndpointRouteBuilder app)
    {
        var runs = app.MapGroup("/api/runs").RequireAuthorization(ApiAuthentication.Policy);
        runs.MapGet("/", async Task<Ok<IReadOnlyList<RunListingView>>> (ControlPlaneOptions options, CancellationToken cancellationToken) =>
        {
            var listed = await RunJournal.ListAsync(Directory(options), cancellationToken).ConfigureAwait(false);
            IReadOnlyList<RunListingView> views = [.. listed.Select(View)];
            return TypedResults.Ok(views);
        });

        runs.MapPut("/{id}", async Task<IResult> (string id, RunUploadRequest upload, HttpContext context, ControlPlaneOptions options, IControlPlaneStore store, CancellationToken cancellationToken) =>
        {
            var caller = ApiCaller.From(context.User);
            var client = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
            if (caller is not ApiCaller.Token { Scope: not ApiTokenScope.Read } token)
            {
                var refusal = caller is ApiCaller.Token reader
                    ? $"the API token {reader.Name} has scope read: it pushes no runs (flotilla tokens create-api NAME --scope ops)"
                    : "runs are pushed with an API token (flotilla tokens create-api NAME --scope ops), not a dashboard session";
                var actor = caller switch
                {
                    ApiCaller.Token named => named.Actor,
                    ApiCaller.Session session => session.User,
                    _ => "-",
                };
                await store.AppendAsync(new AuditEntry(options.TimeProvider.GetUtcNow(), actor, AuditActions.RunPush, id, null, "refused: " + refusal, client), cancellationToken).ConfigureAwait(false);
                return TypedResults.Json(new ErrorView(refusal), ApiJsonContext.Default.ErrorView, statusCode: StatusCodes.Status403Forbidden);
            }

            try
            {
                await RunJournal.ImportAsync(Directory(options), id, upload.Files ?? new Dictionary<string, string>(), cancellationToken).ConfigureAwait(false);
            }
            catch (RunJournalException e)
            {
                await store.AppendAsync(new AuditEntry(options.TimeProvider.GetUtcNow(), token.Actor, AuditActions.RunPush, id, null, "refused: " + e.Message, client), cancellationToken).ConfigureAwait(false);
                return TypedResults.BadRequest(new ErrorView(e.Message));
            }

            await store.AppendAsync(new AuditEntry(options.TimeProvider.GetUtcNow(), token.Actor, AuditActions.RunPush, id, null, "ok", client), cancellationToken).ConfigureAwait(false);
            return TypedResults.NoContent();
        });
        return app;
    }

    private static string Directory(ControlPlaneOptions options) =>
        options.StateDirectory ?? RunJournal.DefaultStateDirectory();

    private static RunListingView View(RunListing run) => new(
        run.Id,
        run.Operation,
        run.Started,
        run.Finished,
        run.Status switch
        {
            RunStatus.Succeeded => "succeeded",
            RunStatus.Failed => "failed",
            RunStatus.NeedsAttention => "needs-attention",
            _ => "unfinished",
        },
        run.Counts.Pending,
        run.Counts.Running,
        run.Counts.Succeeded,
        run.Counts.Failed,
        run.Counts.Skipped,
        run.Counts.RolledBack,
        run.Counts.NeedsAttention);
}
