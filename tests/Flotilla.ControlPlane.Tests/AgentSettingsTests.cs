using System.Collections.Concurrent;
using Flotilla.Agent;
using Flotilla.Agent.Internal;
using Flotilla.Cli.Commands;
using Flotilla.Processes;
using Flotilla.Contracts;
using Flotilla.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Flotilla.Tests;

/// <summary>The agent with NixFleet users' settings: their URLs, a repository it keeps, its host name, a wrong URL.</summary>
public sealed class AgentSettingsTests
{
    [Theory]
    [InlineData("wss://fleet.example.com", "wss://fleet.example.com/ws")]
    [InlineData("wss://fleet.barta.cm/ws", "wss://fleet.barta.cm/ws")]
    [InlineData("https://fleet.example.com", "wss://fleet.example.com/ws")]
    [InlineData("http://10.0.0.5:8000/", "ws://10.0.0.5:8000/ws")]
    [InlineData("ws://127.0.0.1:8080/fleet/ws", "ws://127.0.0.1:8080/fleet/ws")]
    public void A_nixfleet_url_resolves_to_the_agent_endpoint(string url, string expected) =>
        Assert.Equal(new Uri(expected), AgentEndpoint.Resolve(url));

    [Theory]
    [InlineData("ftp://fleet.example.com")]
    [InlineData("fleet.example.com")]
    [InlineData("")]
    public void A_url_that_is_no_endpoint_is_refused(string url) => Assert.Null(AgentEndpoint.Resolve(url));

    [Theory]
    [InlineData("abc123\n", "abc123")]
    [InlineData("NIXFLEET_TOKEN=abc123\n", "abc123")]
    [InlineData("NIXFLEET_TOKEN=\"abc123\"", "abc123")]
    public void A_token_file_may_hold_nixfleets_environment_line(string text, string token) =>
        Assert.Equal(token, AgentCommand.TokenFileText(text));

    [Fact]
    public async Task An_agent_answered_404_says_which_url_it_tried_and_what_it_expected_and_waits_long_before_asking_again()
    {
        var paths = new ConcurrentQueue<string>();
        await using var server = await NotFoundServer.StartAsync(paths);
        var logger = new ListLogger();
        // As NixFleet's README writes it: no /ws.
        var url = AgentEndpoint.Resolve($"http://127.0.0.1:{server.Port}")!;
        var options = new AgentOptions { Url = url, Token = "t", InitialBackoff = TimeSpan.FromMilliseconds(100), MaxBackoff = TimeSpan.FromSeconds(30) };
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var agent = new FlotillaAgent(options, logger).RunAsync(stop.Token);

        var reconnect = await logger.WaitForAsync(m => m.StartsWith("Reconnecting in ", StringComparison.Ordinal), stop.Token);
        await stop.CancelAsync();
        await agent;

        Assert.Equal(["/ws"], paths.Distinct());
        var error = Assert.Single(logger.Messages, m => m.Contains("404", StringComparison.Ordinal));
        Assert.Contains($"ws://127.0.0.1:{server.Port}/ws answered 404 (NotFound)", error, StringComparison.Ordinal);
        Assert.Contains("expected the Flotilla control plane's agent endpoint", error, StringComparison.Ordinal);
        Assert.Contains("check --url", error, StringComparison.Ordinal);
        // Not the 0-0.1 s of a first retry: at least half the longest wait.
        var seconds = double.Parse(reconnect["Reconnecting in ".Length..].Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(seconds, 15, 30);
        Assert.Single(paths);
    }

    [Fact]
    public async Task The_agent_clones_the_repository_it_keeps_and_pull_follows_its_branch()
    {
        using var dir = new TempDirectory();
        var origin = Path.Combine(dir.Path, "nixcfg");
        await GitAsync(dir.Path, "init", "-q", "-b", "main", origin);
        await GitAsync(origin, "commit", "-q", "--allow-empty", "-m", "main");
        await GitAsync(origin, "checkout", "-q", "-b", "prod");
        await GitAsync(origin, "commit", "-q", "--allow-empty", "-m", "prod 1");
        var clone = Path.Combine(dir.Path, "state", "repo");
        var keeper = new RepositoryKeeper(clone, origin, "prod");

        Assert.Null(await keeper.EnsureAsync(CancellationToken.None));
        Assert.Null(await keeper.EnsureAsync(CancellationToken.None)); // there already: nothing to do
        Assert.Equal("prod 1", await GitAsync(clone, "log", "-1", "--format=%s"));

        await GitAsync(origin, "commit", "-q", "--allow-empty", "-m", "prod 2");
        var (argv, error) = OpCommands.For(Ops.Pull, [], "nixos", "gpc0", clone, keeper.Branch);
        Assert.Null(error);
        var pull = await ProcessRunner.RunAsync(argv[0], argv.Skip(1));
        Assert.True(pull.ExitCode == 0, pull.StandardError);
        Assert.Equal("prod 2", await GitAsync(clone, "log", "-1", "--format=%s"));
        Assert.Equal<string>(["nixos-rebuild", "switch", "--flake", clone + "#gpc0"], OpCommands.For(Ops.Switch, [], "nixos", "gpc0", clone, keeper.Branch).Argv);
    }

    [Fact]
    public async Task A_repository_that_cannot_be_cloned_is_said_with_git_message()
    {
        using var dir = new TempDirectory();
        var keeper = new RepositoryKeeper(Path.Combine(dir.Path, "repo"), Path.Combine(dir.Path, "missing.git"), "main");

        var error = await keeper.EnsureAsync(CancellationToken.None);

        Assert.NotNull(error);
        Assert.StartsWith($"git clone of {Path.Combine(dir.Path, "missing.git")} (branch main) into {Path.Combine(dir.Path, "repo")} failed", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_host_name_the_agent_was_given_is_the_one_it_reports()
    {
        var facts = await new HostProbe(null, null, "imac0").FactsAsync(CancellationToken.None);

        Assert.Equal("imac0", facts.Hostname);
    }

    private static async Task<string> GitAsync(string directory, params string[] args)
    {
        var result = await ProcessRunner.RunAsync("git", ["-C", directory, "-c", "user.email=t@t", "-c", "user.name=t", .. args]);
        Assert.True(result.ExitCode == 0, result.StandardError);
        return result.StandardOutput.Trim();
    }

    /// <summary>A real Kestrel that answers every request 404, as a wrong URL does.</summary>
    private sealed class NotFoundServer(WebApplication app, int port) : IAsyncDisposable
    {
        public int Port => port;

        public static async Task<NotFoundServer> StartAsync(ConcurrentQueue<string> paths)
        {
            var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            app.Run(context =>
            {
                paths.Enqueue(context.Request.Path.Value ?? "");
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            });
            await app.StartAsync();
            var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
            return new NotFoundServer(app, new Uri(address).Port);
        }

        public async ValueTask DisposeAsync()
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    private sealed class ListLogger : ILogger<FlotillaAgent>
    {
        private readonly ConcurrentQueue<string> _messages = new();
        private readonly SemaphoreSlim _logged = new(0);

        public IReadOnlyList<string> Messages => [.. _messages];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            _messages.Enqueue(formatter(state, exception));
            _logged.Release();
        }

        public async Task<string> WaitForAsync(Func<string, bool> match, CancellationToken cancellationToken)
        {
            while (true)
            {
                if (_messages.FirstOrDefault(match) is { } found)
                {
                    return found;
                }

                await _logged.WaitAsync(cancellationToken);
            }
        }
    }
}
