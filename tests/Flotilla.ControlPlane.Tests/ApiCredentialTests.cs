using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Flotilla.Contracts;
using Flotilla.ControlPlane.Store;
using Flotilla.Dashboard;
using Flotilla.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Flotilla.Tests;

/// <summary>
/// Who may send what through the API, with which credential (SQLite): a request is authenticated
/// by one scheme only; a session needs the CSRF token for a change and a fresh code for a
/// dangerous op, as the dashboard's forms do; an API token is held to its scope; every command
/// sent is in the audit log under who sent it.
/// </summary>
public sealed class ApiCredentialTests(SqliteTargets targets) : IClassFixture<SqliteTargets>
{
    private sealed record Plane(ControlPlaneHarness Harness, DashboardLogin Login) : IAsyncDisposable
    {
        public IControlPlaneStore Store => Harness.Server.Services.GetRequiredService<IControlPlaneStore>();

        public async ValueTask DisposeAsync()
        {
            Login.Dispose();
            await Harness.DisposeAsync();
        }
    }

    private async Task<Plane> StartAsync(bool allowCommands = true)
    {
        var login = new DashboardLogin();
        var harness = await ControlPlaneHarness.StartAsync(
            await targets.NewAsync(),
            options =>
            {
                login.Configure(options);
                options.AllowArbitraryCommands = allowCommands;
            },
            login.Build);
        await harness.AddHostAsync("web1");
        return new Plane(harness, login);
    }

    private static HttpRequestMessage Post(string path, string json, string? csrf = null, string? authorization = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (csrf is not null)
        {
            request.Headers.Add("X-CSRF-Token", csrf);
        }

        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        return request;
    }

    private static async Task<string> ErrorAsync(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync(ApiJsonContext.Default.ErrorView))?.Error ?? "";

    [Theory]
    [InlineData("Bearer flt_api_wrong")]
    [InlineData("Basic Zm9vOmJhcg==")]
    [InlineData("Bearer")]
    [InlineData("whatever")]
    public async Task With_an_Authorization_header_the_session_cookie_beside_it_does_not_authenticate(string authorization)
    {
        await using var plane = await StartAsync();
        await plane.Login.LogInAsync(plane.Harness.BaseUrl);

        using var post = await plane.Login.Http.SendAsync(Post("/api/commands", """{"on":"web1","op":"pull"}""", authorization: authorization));
        using var get = new HttpRequestMessage(HttpMethod.Get, "/api/hosts");
        get.Headers.TryAddWithoutValidation("Authorization", authorization);
        using var read = await plane.Login.Http.SendAsync(get);

        Assert.Equal(HttpStatusCode.Unauthorized, post.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, read.StatusCode);
        Assert.Empty(await plane.Store.ListCommandsAsync(new CommandQuery()));
    }

    [Fact]
    public async Task A_change_authenticated_by_the_session_cookie_needs_the_csrf_token()
    {
        await using var plane = await StartAsync();
        await plane.Login.LogInAsync(plane.Harness.BaseUrl);
        var command = """{"on":"web1","op":"pull"}""";

        using var without = await plane.Login.Http.SendAsync(Post("/api/commands", command));
        using var wrong = await plane.Login.Http.SendAsync(Post("/api/commands", command, csrf: "not-the-token"));
        Assert.Equal(HttpStatusCode.BadRequest, without.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        Assert.Empty(await plane.Store.ListCommandsAsync(new CommandQuery()));

        using var with = await plane.Login.Http.SendAsync(Post("/api/commands", command, csrf: await plane.Login.CsrfTokenAsync()));
        Assert.Equal(HttpStatusCode.Created, with.StatusCode);
    }

    [Theory]
    [InlineData("reboot", null)]
    [InlineData("rollback", null)]
    [InlineData("exec", "[\"rm\",\"-rf\",\"/tmp/x\"]")]
    public async Task A_session_sends_a_dangerous_op_through_the_api_only_with_a_fresh_code_and_every_attempt_is_audited(string op, string? argv)
    {
        await using var plane = await StartAsync();
        var loginCode = await plane.Login.LogInAsync(plane.Harness.BaseUrl);
        var csrf = await plane.Login.CsrfTokenAsync();
        string Body(string? code) => $"{{\"on\":\"web1\",\"op\":\"{op}\"{(argv is null ? "" : ",\"argv\":" + argv)}{(code is null ? "" : $",\"secondFactor\":\"{code}\"")}}}";

        using var noCode = await plane.Login.Http.SendAsync(Post("/api/commands", Body(null), csrf));
        using var replayed = await plane.Login.Http.SendAsync(Post("/api/commands", Body(loginCode), csrf));

        Assert.Equal(HttpStatusCode.Forbidden, noCode.StatusCode);
        Assert.Contains("fresh code", await ErrorAsync(noCode), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, replayed.StatusCode);
        Assert.Empty(await plane.Store.ListCommandsAsync(new CommandQuery()));

        using var fresh = await plane.Login.Http.SendAsync(Post("/api/commands", Body(plane.Login.FreshCode()), csrf));

        Assert.Equal(HttpStatusCode.Created, fresh.StatusCode);
        var sent = Assert.Single((await fresh.Content.ReadFromJsonAsync(ApiJsonContext.Default.CreateCommandsResponse))!.Commands);
        Assert.Equal((op, "web1", DashboardLogin.User), (sent.Op, sent.Host, sent.RequestedBy));
        var audit = await plane.Store.ListAsync(10);
        var command = audit[0];
        Assert.Equal((DashboardLogin.User, AuditActions.Command, "web1", "127.0.0.1"), (command.Actor, command.Action, command.Target, command.ClientAddress));
        Assert.Equal("queued " + sent.Id, command.Result);
        Assert.Equal(["totp replayed", "wrong totp code"], audit.Where(e => e.Action == AuditActions.StepUp).Select(e => e.Result));
    }

    [Fact]
    public async Task A_session_sends_a_fixed_op_that_is_not_dangerous_without_a_code_and_it_is_audited()
    {
        await using var plane = await StartAsync();
        await plane.Login.LogInAsync(plane.Harness.BaseUrl);

        using var response = await plane.Login.Http.SendAsync(Post("/api/commands", """{"on":"web*","op":"pull","timeoutSeconds":60}""", await plane.Login.CsrfTokenAsync()));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var sent = Assert.Single((await response.Content.ReadFromJsonAsync(ApiJsonContext.Default.CreateCommandsResponse))!.Commands);
        Assert.Equal(60, sent.TimeoutSeconds);
        var entry = (await plane.Store.ListAsync(1))[0];
        Assert.Equal((DashboardLogin.User, AuditActions.Command, "web1", "pull", "queued " + sent.Id), (entry.Actor, entry.Action, entry.Target, entry.Detail, entry.Result));
    }

    [Fact]
    public async Task An_api_token_is_held_to_its_scope_and_every_command_it_sends_is_audited_with_its_name()
    {
        await using var plane = await StartAsync();
        var read = (await plane.Harness.CliAsync("tokens", "create-api", "dashboards", "--scope", "read")).LastLine;
        var ops = (await plane.Harness.CliAsync("tokens", "create-api", "deployer")).LastLine;
        var exec = (await plane.Harness.CliAsync("tokens", "create-api", "runner", "--scope", "exec")).LastLine;
        using var http = new HttpClient { BaseAddress = new Uri(plane.Harness.BaseUrl) };
        async Task<HttpResponseMessage> SendAsync(string token, string json) =>
            await http.SendAsync(Post("/api/commands", json, authorization: "Bearer " + token));

        using var readGets = await http.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/api/hosts") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", read) } });
        using var readSends = await SendAsync(read, """{"on":"web1","op":"pull"}""");
        using var opsReboots = await SendAsync(ops, """{"on":"web1","op":"reboot"}""");
        using var opsExecs = await SendAsync(ops, """{"on":"web1","argv":["id"]}""");
        using var execExecs = await SendAsync(exec, """{"on":"web1","argv":["id"]}""");

        Assert.Equal(HttpStatusCode.OK, readGets.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, readSends.StatusCode);
        Assert.Contains("scope read", await ErrorAsync(readSends), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Created, opsReboots.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, opsExecs.StatusCode);
        Assert.Contains("--scope exec", await ErrorAsync(opsExecs), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Created, execExecs.StatusCode);

        var commands = await plane.Store.ListCommandsAsync(new CommandQuery());
        Assert.Equal([("reboot", "token:deployer"), ("exec", "token:runner")], commands.Select(c => (c.Op, c.RequestedBy)));
        var audit = (await plane.Store.ListAsync(10)).Where(e => e.Action == AuditActions.Command).Reverse().ToList();
        Assert.Equal(
            [("token:dashboards", "refused"), ("token:deployer", "queued"), ("token:deployer", "refused"), ("token:runner", "queued")],
            audit.Select(e => (e.Actor, e.Result.Split(' ', ':')[0])));

        var kill = await http.SendAsync(new HttpRequestMessage(HttpMethod.Post, $"/api/commands/{commands[0].Id}/kill") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", read) } });
        Assert.Equal(HttpStatusCode.Forbidden, kill.StatusCode);
    }

    [Fact]
    public async Task An_exec_scope_still_needs_the_server_to_allow_commands()
    {
        await using var plane = await StartAsync(allowCommands: false);
        var exec = (await plane.Harness.CliAsync("tokens", "create-api", "runner", "--scope", "exec")).LastLine;
        using var http = new HttpClient { BaseAddress = new Uri(plane.Harness.BaseUrl) };

        using var response = await http.SendAsync(Post("/api/commands", """{"on":"web1","argv":["id"]}""", authorization: "Bearer " + exec));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("--allow-commands", await ErrorAsync(response), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_beside_a_session_cookie_acts_as_the_token_alone()
    {
        await using var plane = await StartAsync();
        await plane.Login.LogInAsync(plane.Harness.BaseUrl);
        var read = (await plane.Harness.CliAsync("tokens", "create-api", "dashboards", "--scope", "read")).LastLine;

        using var response = await plane.Login.Http.SendAsync(Post("/api/commands", """{"on":"web1","op":"pull"}""", await plane.Login.CsrfTokenAsync(), "Bearer " + read));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Empty(await plane.Store.ListCommandsAsync(new CommandQuery()));
    }
}
