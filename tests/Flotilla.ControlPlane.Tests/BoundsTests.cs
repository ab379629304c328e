using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using Flotilla.Cli;
using Flotilla.Contracts;
using Flotilla.Tests.Support;

namespace Flotilla.Tests;

/// <summary>
/// Numbers out of range are refused where they come in (the API with a 400, the CLI with exit
/// code 2, the protocol with a close frame), each saying the range (SQLite; the sweeps meeting a
/// bad stored row are in <see cref="ControlPlaneAcceptance"/>, on both stores).
/// </summary>
public sealed class BoundsTests(SqliteTargets targets) : IClassFixture<SqliteTargets>
{
    [Theory]
    [InlineData("timeoutSeconds", 1e300)]
    [InlineData("timeoutSeconds", 9e11)]
    [InlineData("timeoutSeconds", 5e6)]
    [InlineData("timeoutSeconds", 0)]
    [InlineData("timeoutSeconds", -1)]
    [InlineData("expiresInSeconds", 1e300)]
    [InlineData("expiresInSeconds", 2e11)]
    [InlineData("expiresInSeconds", 0)]
    public async Task A_command_with_a_number_out_of_range_is_refused_with_400_naming_the_range_and_not_stored(string field, double value)
    {
        await using var plane = await ControlPlaneHarness.StartAsync(await targets.NewAsync());
        await plane.AddHostAsync("web1");
        var json = $"{{\"on\":\"web1\",\"argv\":[\"true\"],\"{field}\":{value.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}}}";

        using var response = await plane.Api.PostAsync("/api/commands", new StringContent(json, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = (await response.Content.ReadFromJsonAsync(ApiJsonContext.Default.ErrorView))!.Error;
        Assert.Matches($"^{field} must be between 0\\.001 and \\d+ seconds", error);
        Assert.Empty(await (await plane.Target.OpenAsync()).ListCommandsAsync(new Flotilla.ControlPlane.Store.CommandQuery()));
    }

    [Fact]
    public async Task The_largest_timeout_and_expiry_are_accepted()
    {
        await using var plane = await ControlPlaneHarness.StartAsync(await targets.NewAsync());
        await plane.AddHostAsync("web1");

        using var response = await plane.Api.PostAsJsonAsync("/api/commands", new CreateCommandsRequest("web1", Argv: ["true"], TimeoutSeconds: 7 * 86_400, ExpiresInSeconds: 30 * 86_400), ApiJsonContext.Default.CreateCommandsRequest);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var command = Assert.Single((await response.Content.ReadFromJsonAsync(ApiJsonContext.Default.CreateCommandsResponse))!.Commands);
        Assert.Equal(7 * 86_400, command.TimeoutSeconds);
    }

    [Theory]
    [InlineData("/api/commands?limit=0", "limit must be between 1 and 100000")]
    [InlineData("/api/commands?limit=100001", "limit must be between 1 and 100000")]
    [InlineData("/api/commands/x/output?after=-1", "after must be 0 or more")]
    public async Task A_listing_with_a_number_out_of_range_is_refused_with_400_naming_the_range(string path, string expected)
    {
        await using var plane = await ControlPlaneHarness.StartAsync(await targets.NewAsync());

        using var response = await plane.Api.GetAsync(path);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.StartsWith(expected, (await response.Content.ReadFromJsonAsync(ApiJsonContext.Default.ErrorView))!.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1e300)]
    [InlineData(0.01)]
    public async Task A_register_with_a_heartbeat_interval_out_of_range_is_closed_with_the_range(double interval)
    {
        await using var plane = await ControlPlaneHarness.StartAsync(await targets.NewAsync());
        var token = File.ReadAllText(await plane.AddHostAsync("web1")).Trim();
        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", "Bearer " + token);
        await socket.ConnectAsync(new Uri(plane.AgentUrl), CancellationToken.None);
        var register = $"{{\"type\":\"register\",\"protocol\":1,\"facts\":{{\"hostname\":\"web1\",\"platform\":\"linux\",\"agentVersion\":\"1\"}},\"heartbeatIntervalSeconds\":{interval.ToString("R", System.Globalization.CultureInfo.InvariantCulture)},\"commands\":[]}}";

        await socket.SendAsync(Encoding.UTF8.GetBytes(register), WebSocketMessageType.Text, true, CancellationToken.None);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var buffer = new byte[4096];
        WebSocketReceiveResult result;
        do
        {
            result = await socket.ReceiveAsync(buffer, timeout.Token);
        }
        while (result.MessageType != WebSocketMessageType.Close);

        Assert.Equal(WebSocketCloseStatus.PolicyViolation, result.CloseStatus);
        Assert.StartsWith("heartbeatIntervalSeconds must be between 0.05 and 3600 seconds", result.CloseStatusDescription, StringComparison.Ordinal);
        Assert.Equal("offline", (await plane.HostAsync("web1"))!.Status);
    }

    [Theory]
    [InlineData("serve", "--queue-expiry", "1e300", "--queue-expiry must be between 0.001 and 2592000 seconds")]
    [InlineData("serve", "--queue-expiry", "0", "--queue-expiry must be between 0.001 and 2592000 seconds")]
    [InlineData("serve", "--target-refresh", "0", "--target-refresh must be between 1 and 86400 seconds")]
    [InlineData("agent", "--interval", "1e300", "--interval must be between 0.05 and 3600 seconds")]
    [InlineData("remote", "--timeout", "1e300", "--timeout must be between 0.001 and 604800 seconds")]
    public async Task The_cli_refuses_a_number_out_of_range_with_exit_code_2_naming_the_range(string verb, string option, string value, string expected)
    {
        using var temp = new TempDirectory();
        var token = temp.Write("token", "flt_host_x\n");
        string[] args = verb switch
        {
            "serve" => ["serve", "--urls", "http://127.0.0.1:0", "--data-dir", Path.Combine(temp.Path, "data"), "--no-dashboard", option, value],
            "agent" => ["agent", "--url", "ws://127.0.0.1:1/ws", "--token-file", token, option, value],
            _ => ["remote", "run", "--url", "http://127.0.0.1:1", "--token", "flt_api_x", "--on", "all", option, value, "--", "true"],
        };
        using var output = new StringWriter();
        using var error = new StringWriter();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        var code = await FlotillaCli.RunAsync(args, output, error, temp.Path, stop.Token);

        Assert.Equal(2, code);
        Assert.Contains(expected, error.ToString(), StringComparison.Ordinal);
    }
}
