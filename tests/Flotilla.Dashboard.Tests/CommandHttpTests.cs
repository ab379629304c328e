using Microsoft.Extensions.Time.Testing;
using System.Net;
using System.Net.ServerSentEvents;
using Flotilla.Dashboard.Tests.Support;

namespace Flotilla.Dashboard.Tests;

/// <summary>Sending commands from the pages over HTTP: step-up, argument lists, the audit log.</summary>
public sealed class CommandHttpTests
{
    private static async Task<(DashboardHost Host, Browserless Client, FakeTimeProvider Time)> LoggedInAsync(Action<DashboardOptions>? configure = null)
    {
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));
        var host = await DashboardHost.StartAsync(time: time, configure: configure);
        host.Fleet.SetHost(TestFleet.Host("web01"));
        var client = new Browserless(host.Address);
        await client.LogInAsync(host);
        time.Advance(TimeSpan.FromSeconds(30));
        return (host, client, time);
    }

    private static async Task<HttpResponseMessage> SendAsync(Browserless client, string operation, string? commandLine, string? code)
    {
        var page = await client.Http.GetStringAsync("/hosts/web01");
        return await client.PostFormAsync("/hosts/web01?handler=Send", ("__csrf", Browserless.FormToken(page)), ("Operation", operation), ("CommandLine", commandLine ?? ""), ("SecondFactor", code ?? ""));
    }

    [Fact]
    public async Task A_typed_command_goes_to_the_host_as_one_shell_argument_unchanged()
    {
        var (host, client, _) = await LoggedInAsync();
        await using var _host = host;
        using var _client = client;
        const string line = "echo \"$HOSTNAME\" 'it''s' ; ls -la /etc | head -n 3 && true # done";

        var response = await SendAsync(client, "exec", line, host.Code());

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal(string.Join("\u0000", ["/bin/sh", "-c", line]), string.Join("\u0000", host.Fleet.Requests.Single().Argv));
        var entry = (await host.Get<IAuditLog>().ListAsync(1))[0];
        Assert.Equal(("admin", "command", "web01", line), (entry.Actor, entry.Action, entry.Target, entry.Detail));
        Assert.StartsWith("queued c1", entry.Result, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_command_without_a_fresh_code_is_refused_with_403_and_not_sent()
    {
        var (host, client, _) = await LoggedInAsync();
        await using var _host = host;
        using var _client = client;

        var response = await SendAsync(client, "exec", "reboot", null);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("needs a fresh code", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty(host.Fleet.Requests);
    }

    [Fact]
    public async Task Wrong_step_up_codes_lock_step_up_out()
    {
        var (host, client, _) = await LoggedInAsync(o => o.LoginThrottle = new Security.LoginThrottleOptions { MaxFailures = 3 });
        await using var _host = host;
        using var _client = client;
        var wrong = host.Code() == "000000" ? "111111" : "000000";

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(client, "reboot", null, wrong)).StatusCode);
        }

        var response = await SendAsync(client, "reboot", null, host.Code());

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("Too many wrong codes", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty(host.Fleet.Requests);
    }

    [Fact]
    public async Task With_arbitrary_commands_off_the_box_is_gone_and_exec_is_refused()
    {
        var (host, client, _) = await LoggedInAsync(o => o.AllowArbitraryCommands = false);
        await using var _host = host;
        using var _client = client;

        var page = await client.Http.GetStringAsync("/hosts/web01");
        var response = await SendAsync(client, "exec", "id", host.Code());

        Assert.DoesNotContain("command-line", page, StringComparison.Ordinal);
        Assert.DoesNotContain("value=\"exec\"", page, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Empty(host.Fleet.Requests);
    }

    [Fact]
    public async Task The_host_page_lists_the_containers_its_agent_reported_and_counts_those_down()
    {
        var (host, client, _) = await LoggedInAsync();
        await using var _host = host;
        using var _client = client;
        host.Fleet.SetContainers("web01",
            new Flotilla.Contracts.ContainerState("sonarr", "lscr.io/linuxserver/sonarr:latest", "running", "Up 5 minutes"),
            new Flotilla.Contracts.ContainerState("prowlarr", "lscr.io/linuxserver/prowlarr:latest", "exited", "Exited (137) 2 seconds ago", 137));

        var page = await client.Http.GetStringAsync("/hosts/web01");

        Assert.Contains("(<span id=\"containers-down-count\">1</span> down)", page, StringComparison.Ordinal);
        Assert.Contains("data-field=\"containers\" class=\"containers-down\">1 of 2 down</td>", page, StringComparison.Ordinal);
        Assert.Contains("data-container=\"prowlarr\"", page, StringComparison.Ordinal);
        Assert.Contains("Exited (137) 2 seconds ago", page, StringComparison.Ordinal);
        Assert.Contains("<code>lscr.io/linuxserver/sonarr:latest</code>", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_host_is_404()
    {
        var (host, client, _) = await LoggedInAsync();
        await using var _host = host;
        using var _client = client;

        Assert.Equal(HttpStatusCode.NotFound, (await client.Http.GetAsync("/hosts/nope")).StatusCode);
    }

    [Fact]
    public async Task Command_output_streams_history_then_live_and_resumes_after_Last_Event_ID()
    {
        var (host, client, _) = await LoggedInAsync();
        await using var _host = host;
        using var _client = client;
        await SendAsync(client, "switch", null, null);
        host.Fleet.Output("c1", "one");
        host.Fleet.Output("c1", "two", OutputStream.Stderr);

        using var request = new HttpRequestMessage(HttpMethod.Get, "/events/commands/c1");
        request.Headers.Add("Last-Event-ID", "1");
        using var response = await client.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        using var stream = await response.Content.ReadAsStreamAsync();
        host.Fleet.Output("c1", "three");
        host.Fleet.Complete("c1", 0);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var events = new List<SseItem<string>>();
        await foreach (var item in SseParser.Create(stream).EnumerateAsync(timeout.Token))
        {
            events.Add(item);
        }

        var lines = events.Where(e => e.EventType == "line").ToList();
        Assert.Equal(["2", "3"], lines.Select(e => e.EventId));
        Assert.StartsWith("{\"sequence\":2,", lines[0].Data, StringComparison.Ordinal);
        Assert.Contains("\"stream\":\"Stderr\",\"text\":\"two\"", lines[0].Data, StringComparison.Ordinal);
        Assert.Contains("\"text\":\"three\"", lines[1].Data, StringComparison.Ordinal);
        var end = events[^1];
        Assert.Equal("end", end.EventType);
        Assert.StartsWith("{\"id\":\"c1\"", end.Data, StringComparison.Ordinal);
        Assert.Contains("\"state\":\"Succeeded\"", end.Data, StringComparison.Ordinal);
        // Nothing else a page listens to; keep-alives (empty data) are the only other events.
        Assert.All(events.Where(e => e.EventType is not ("line" or "end")), e => Assert.Equal(("keep-alive", ""), (e.EventType, e.Data)));
    }

    [Fact]
    public async Task The_fleet_stream_starts_with_every_host_and_then_follows_changes()
    {
        var (host, client, _) = await LoggedInAsync();
        await using var _host = host;
        using var _client = client;
        host.Fleet.SetHost(TestFleet.Host("db01", online: false));

        using var response = await client.Http.GetAsync("/events", HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var seen = new List<string>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (seen.Count < 2 && await reader.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                seen.Add(line);
            }
        }

        host.Fleet.SetHost(TestFleet.Host("db01", online: true));
        var change = "";
        while (!change.StartsWith("data: ", StringComparison.Ordinal))
        {
            change = await reader.ReadLineAsync(timeout.Token) ?? throw new InvalidOperationException("the stream ended");
        }

        Assert.Contains("\"name\":\"db01\",\"online\":true", change, StringComparison.Ordinal);
        Assert.Contains(seen, l => l.Contains("\"name\":\"web01\"", StringComparison.Ordinal));
        Assert.Contains(seen, l => l.Contains("\"name\":\"db01\",\"online\":false", StringComparison.Ordinal));
        // What dashboard.js reads of a host's figures: the heartbeat's CPU and load, and the percentages derived from its bytes.
        foreach (var figure in (string[])["\"cpuPercent\":12.5,", "\"load1\":0.42,", "\"ramPercent\":40,", "\"diskPercent\":71"])
        {
            Assert.Contains(figure, change, StringComparison.Ordinal);
        }
    }
}
