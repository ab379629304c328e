using Flotilla.Contracts;
using Flotilla.ControlPlane.Auth;
using Flotilla.ControlPlane.Store;
using Flotilla.Dashboard;
using Flotilla.Execution;
using Flotilla.Planning;
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

        runs.MapPut("/{id}", async Task<IResult> (string id, RunUploadRequest upload, HttpContext context, ControlPlaneOptions options, IControlPlaneStore store, Runs.RunArchive archive, CancellationToken cancellationToken) =>
        {
            var client = Client(context);
            if (await RefuseAsync(context, AuditActions.RunPush, id, "pushes no runs", "runs are pushed", store, options, cancellationToken).ConfigureAwait(false) is { } refused)
            {
                return refused;
            }

            var token = (ApiCaller.Token)ApiCaller.From(context.User)!;
            try
            {
                await RunJournal.ImportAsync(Directory(options), id, upload.Files ?? new Dictionary<string, string>(), cancellationToken).ConfigureAwait(false);
            }
            catch (RunJournalException e)
            {
                await store.AppendAsync(new AuditEntry(options.TimeProvider.GetUtcNow(), token.Actor, AuditActions.RunPush, id, null, "refused: " + e.Message, client), cancellationToken).ConfigureAwait(false);
                return TypedResults.BadRequest(new ErrorView(e.Message));
            }

            await archive.SaveAsync(id, cancellationToken).ConfigureAwait(false);
            await store.AppendAsync(new AuditEntry(options.TimeProvider.GetUtcNow(), token.Actor, AuditActions.RunPush, id, null, "ok", client), cancellationToken).ConfigureAwait(false);
            return TypedResults.NoContent();
        });

        // The server hosts the run (as the dashboard's Start does): automation with an ops token.
        runs.MapPost("/", async Task<IResult> (RunStartRequest request, HttpContext context, ControlPlaneOptions options, IControlPlaneStore store, IRunLauncher launcher, CancellationToken cancellationToken) =>
        {
            var what = string.Join(' ', [request.Operation, .. request.On ?? [], .. (request.Services ?? []).Select(s => "--service " + s)]);
            if (await RefuseAsync(context, AuditActions.RunStart, what, "starts no runs", "runs are started", store, options, cancellationToken).ConfigureAwait(false) is { } refused)
            {
                return refused;
            }

            var token = (ApiCaller.Token)ApiCaller.From(context.User)!;
            if (!RunLaunch.TryParse(request.Operation, out var operation))
            {
                return TypedResults.BadRequest(new ErrorView($"unknown operation \"{request.Operation}\"; operations: deploy, rollback, reboot"));
            }

            var launch = new RunLaunch(
                operation,
                new Planning.Selection { On = HostSelector.Split(request.On), Services = HostSelector.Split(request.Services), WithDependents = request.WithDependents },
                token.Actor) { Via = "api" };
            var outcome = await launcher.StartAsync(launch, cancellationToken).ConfigureAwait(false);
            await store.AppendAsync(new AuditEntry(options.TimeProvider.GetUtcNow(), token.Actor, AuditActions.RunStart, outcome.RunId ?? "-", what, outcome.RunId is null ? "refused: " + outcome.Problem : "started", Client(context)), cancellationToken).ConfigureAwait(false);
            return outcome.RunId is { } id
                ? TypedResults.Json(new RunStartedView(id), ApiJsonContext.Default.RunStartedView, statusCode: StatusCodes.Status202Accepted)
                : TypedResults.Json(new ErrorView(outcome.Problem ?? "not started"), ApiJsonContext.Default.ErrorView, statusCode: StatusCodes.Status409Conflict);
        });

        runs.MapPost("/{id}/cancel", async Task<IResult> (string id, HttpContext context, ControlPlaneOptions options, IControlPlaneStore store, IRunLauncher launcher, CancellationToken cancellationToken) =>
        {
            if (await RefuseAsync(context, AuditActions.RunCancel, id, "cancels no runs", "runs are cancelled", store, options, cancellationToken).ConfigureAwait(false) is { } refused)
            {
                return refused;
            }

            var token = (ApiCaller.Token)ApiCaller.From(context.User)!;
            var cancelled = await launcher.CancelAsync(id, cancellationToken).ConfigureAwait(false);
            await store.AppendAsync(new AuditEntry(options.TimeProvider.GetUtcNow(), token.Actor, AuditActions.RunCancel, id, null, cancelled ? "ok" : "not running", Client(context)), cancellationToken).ConfigureAwait(false);
            return cancelled ? TypedResults.Accepted((string?)null) : TypedResults.NotFound(new ErrorView($"this server runs no run {id} now"));
        });
        return app;
    }

    /// <summary>
    /// A 403 (audited) unless the caller is an API token of scope ops or exec: runs change hosts,
    /// and a dashboard session starts them with the page's form, which asks for a fresh code.
    /// </summary>
    private static async Task<IResult?> RefuseAsync(HttpContext context, string action, string target, string readerCannot, string byToken, IControlPlaneStore store, ControlPlaneOptions options, CancellationToken cancellationToken)
    {
        var caller = ApiCaller.From(context.User);
        if (caller is ApiCaller.Token { Scope: not ApiTokenScope.Read })
        {
            return null;
        }

        var refusal = caller is ApiCaller.Token reader
            ? $"the API token {reader.Name} has scope read: it {readerCannot} (flotilla tokens create-api NAME --scope ops)"
            : $"through the API {byToken} with an API token (flotilla tokens create-api NAME --scope ops); from a dashboard session, use the dashboard's pages";
        var actor = caller switch
        {
            ApiCaller.Token named => named.Actor,
            ApiCaller.Session session => session.User,
            _ => "-",
        };
        await store.AppendAsync(new AuditEntry(options.TimeProvider.GetUtcNow(), actor, action, target, null, "refused: " + refusal, Client(context)), cancellationToken).ConfigureAwait(false);
        return TypedResults.Json(new ErrorView(refusal), ApiJsonContext.Default.ErrorView, statusCode: StatusCodes.Status403Forbidden);
    }

    private static string Client(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    private static string Directory(ControlPlaneOptions options) =>
        options.StateDirectory ?? RunJournal.DefaultStateDirectory();

    private static RunListingView View(RunListing run) => new(
        run.Id,
        run.Operation.ToName(),
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
        run.Counts.NeedsAttention)
    {
        StartedBy = run.StartedBy,
    };
}
