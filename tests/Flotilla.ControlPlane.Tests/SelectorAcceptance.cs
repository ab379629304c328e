using System.Net;
using System.Net.Http.Json;
using Flotilla.Contracts;
using Flotilla.Tests.Support;

namespace Flotilla.Tests;

/// <summary>The API's <c>on</c> in the one selector grammar: names, <c>@tag</c>, globs and <c>all</c> over the agents the server knows (SQLite).</summary>
public sealed class SelectorAcceptance(SqliteTargets targets) : IClassFixture<SqliteTargets>
{
    /// <summary>Raw agents, one per host, each enrolled with its own token and reporting its tags; disposed together.</summary>
    private sealed class Agents : List<RawAgent>, IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            foreach (var agent in this)
            {
                await agent.DisposeAsync();
            }
        }
    }

    private static async Task<Agents> ConnectAsync(ControlPlaneHarness plane, params (string Name, string[] Tags)[] hosts)
    {
        var agents = new Agents();
        try
        {
            foreach (var (name, tags) in hosts)
            {
                var token = (await File.ReadAllTextAsync(await plane.AddHostAsync(name))).Trim();
                agents.Add(await RawAgent.ConnectAsync(plane.AgentUrl, token, name, tags: tags));
                await plane.WaitForStatusAsync(name, "online");
            }

            return agents;
        }
        catch
        {
            await agents.DisposeAsync();
            throw;
        }
    }

    /// <summary>POSTs a pull on <paramref name="on"/>: the status, the hosts it went to (comma separated, in order) or the error.</summary>
    private static async Task<(HttpStatusCode Status, string Hosts, string? Error)> SendAsync(ControlPlaneHarness plane, string on)
    {
        using var response = await plane.Api.PostAsJsonAsync("/api/commands", new CreateCommandsRequest(on, Ops.Pull), ApiJsonContext.Default.CreateCommandsRequest);
        if (response.StatusCode != HttpStatusCode.Created)
        {
            return (response.StatusCode, "", (await response.Content.ReadFromJsonAsync(ApiJsonContext.Default.ErrorView))?.Error);
        }

        var created = (await response.Content.ReadFromJsonAsync(ApiJsonContext.Default.CreateCommandsResponse))!;
        return (response.StatusCode, string.Join(',', created.Commands.Select(c => c.Host).Order(StringComparer.Ordinal)), null);
    }

    [Fact]
    public async Task A_tag_selects_the_agents_that_report_it_and_a_glob_the_agents_whose_names_match()
    {
        await using var plane = await ControlPlaneHarness.StartAsync(await targets.NewAsync());
        await using var agents = await ConnectAsync(plane, ("web1", ["edge"]), ("web2", []), ("db1", ["edge", "db"]));

        Assert.Equal((HttpStatusCode.Created, "db1,web1", (string?)null), await SendAsync(plane, "@edge"));
        Assert.Equal((HttpStatusCode.Created, "web1,web2", (string?)null), await SendAsync(plane, "web*"));
        Assert.Equal((HttpStatusCode.Created, "db1,web2", (string?)null), await SendAsync(plane, "@db, web[2-9]"));
        Assert.Equal((HttpStatusCode.Created, "db1,web1,web2", (string?)null), await SendAsync(plane, "all"));
    }

    [Fact]
    public async Task Every_term_must_select_a_host_and_an_unknown_tag_is_refused_with_the_known_ones()
    {
        await using var plane = await ControlPlaneHarness.StartAsync(await targets.NewAsync());
        await using var agents = await ConnectAsync(plane, ("web1", ["edge"]));

        var (status, _, error) = await SendAsync(plane, "@egde");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("\"@egde\": no host has tag \"egde\"; known tags: edge", error);

        (status, _, error) = await SendAsync(plane, "web1,db*");
        Assert.Equal((HttpStatusCode.BadRequest, "no host matches \"db*\""), (status, error));
        Assert.Empty((await plane.Api.GetFromJsonAsync("/api/commands", ApiJsonContext.Default.IReadOnlyListCommandView))!);
    }

    [Fact]
    public async Task A_tag_where_no_host_has_tags_is_refused_saying_where_tags_come_from()
    {
        await using var plane = await ControlPlaneHarness.StartAsync(await targets.NewAsync());
        await plane.AddHostAsync("web1");

        var (status, _, error) = await SendAsync(plane, "@web");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("no host here has tags", error, StringComparison.Ordinal);
        Assert.Contains("flotilla agent --tag", error, StringComparison.Ordinal);
        Assert.Contains("flotilla serve -f", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_an_inventory_its_tags_select_agents_that_report_none()
    {
        using var directory = new TempDirectory();
        var fleet = await FleetRepository.CreateAsync(Path.Combine(directory.Path, "fleet"));
        using var login = new DashboardLogin();
        await using var plane = await ControlPlaneHarness.StartAsync(
            await targets.NewAsync(),
            options =>
            {
                login.Configure(options);
                options.Inventory = fleet.Inventory;
            },
            login.Build);
        await using var agents = await ConnectAsync(plane, ("web1", []), ("db1", []));
        // The inventory (web1 tagged "web") is read in the background.
        (HttpStatusCode Status, string Hosts, string? Error) sent = (HttpStatusCode.NotFound, "", null);
        await Eventually.WaitAsync(async () => (sent = await SendAsync(plane, "@web")).Status == HttpStatusCode.Created, () => $"@web: {sent.Error}; server:\n{plane.Log.Text}");

        Assert.Equal("web1", sent.Hosts);
    }
}
