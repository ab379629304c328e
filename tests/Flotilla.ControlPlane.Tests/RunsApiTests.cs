using System.Net;
using System.Net.Http.Json;
using Flotilla.Contracts;
using Flotilla.ControlPlane.Store;
using Flotilla.Dashboard;
using Flotilla.Execution;
using Flotilla.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Flotilla.Tests;

/// <summary><c>/api/runs</c>: journals pushed by runs started elsewhere are kept and listed; pushing takes a token of scope ops or more, and is audited.</summary>
public sealed class RunsApiTests(SqliteTargets targets) : IClassFixture<SqliteTargets>
{
    [Fact]
    public async Task A_pushed_run_is_listed_by_the_api_and_by_flotilla_runs_server_and_a_read_token_cannot_push()
    {
        using var here = new TempDirectory();
        using var runs = new TempDirectory();
        await using var plane = await ControlPlaneHarness.StartAsync(await targets.NewAsync(), options => options.StateDirectory = runs.Path);
        var id = await RunJournals.RollbackAsync(here.Path);

        var reader = (await plane.CliAsync("tokens", "create-api", "reader", "--scope", "read")).LastLine;
        using (var client = new ControlPlaneClient(new Uri(plane.BaseUrl + "/"), reader))
        {
            var refused = await Assert.ThrowsAsync<ControlPlaneException>(() => client.PushRunAsync(here.Path, id));
            Assert.Equal(HttpStatusCode.Forbidden, refused.Status);
            Assert.Contains("scope read: it pushes no runs", refused.Message, StringComparison.Ordinal);
            Assert.Empty(await client.RunsAsync());
        }

        using (var client = new ControlPlaneClient(new Uri(plane.BaseUrl + "/"), plane.ApiToken))
        {
            await client.PushRunAsync(here.Path, id);
            var listed = Assert.Single(await client.RunsAsync());
            Assert.Equal((id, "rollback", "unfinished", 2), (listed.Id, listed.Operation, listed.Status, listed.Pending));
        }

        var tokenFile = here.Write("token", plane.ApiToken);
        using var output = new StringWriter();
        using var error = new StringWriter();
        Assert.Equal(0, await Flotilla.Cli.FlotillaCli.RunAsync(["runs", "--server", plane.BaseUrl, "--token-file", tokenFile], output, error, here.Path));
        Assert.Contains(output.ToString().Split('\n'), l => l.StartsWith(id + " ", StringComparison.Ordinal) && l.Contains("rollback", StringComparison.Ordinal));
        Assert.True(Directory.Exists(Path.Combine(RunJournal.RunsDirectory(runs.Path), id)));

        // A journal that does not hold: 400 with why, audited as refused.
        using var bad = new HttpRequestMessage(HttpMethod.Put, "/api/runs/" + id) { Content = JsonContent.Create(new RunUploadRequest(new Dictionary<string, string> { ["run.json"] = "{}" }), ApiJsonContext.Default.RunUploadRequest) };
        using var answer = await plane.Api.SendAsync(bad);
        Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
        Assert.Contains("needs plan.json and run.json", (await answer.Content.ReadFromJsonAsync(ApiJsonContext.Default.ErrorView))!.Error, StringComparison.Ordinal);
        var audit = await plane.Server.Services.GetRequiredService<IControlPlaneStore>().ListAsync(20);
        Assert.Contains(audit, e => e.Action == AuditActions.RunPush && e.Target == id && e.Result == "ok" && e.Actor == "token:tests");
        Assert.Contains(audit, e => e.Action == AuditActions.RunPush && e.Actor == "token:tests" && e.Result.StartsWith("refused: a run's journal needs", StringComparison.Ordinal));
        Assert.Contains(audit, e => e.Action == AuditActions.RunPush && e.Actor == "token:reader" && e.Result.StartsWith("refused: the API token reader has scope read", StringComparison.Ordinal));
    }
}
