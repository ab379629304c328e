using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Flotilla.Cli;
using Flotilla.ControlPlane;
using Flotilla.Contracts;
using Flotilla.ControlPlane.Store;
using Microsoft.Extensions.Logging;
using Microsoft.AspNetCore.Builder;

namespace Flotilla.Tests.Support;

/// <summary>
/// A real control plane on loopback (Kestrel on a free port) over a test's store, an API token,
/// and real agent processes; restartable on the same port; everything stopped on dispose.
/// </summary>
public sealed class ControlPlaneHarness : IAsyncDisposable
{
    private readonly StoreTarget _target;
    private readonly TempDirectory _directory = new();
    private readonly List<AgentProcess> _agents = [];
    private readonly Action<ControlPlaneOptions>? _configure;
    private readonly Action<WebApplicationBuilder>? _build;
    private ControlPlaneServer? _server;

    private ControlPlaneHarness(StoreTarget target, Action<ControlPlaneOptions>? configure, Action<WebApplicationBuilder>? build)
    {
        _target = target;
        _configure = configure;
        _build = build;
    }

    public int Port { get; private set; }

    public string BaseUrl => $"http://127.0.0.1:{Port}";

    public string AgentUrl => $"ws://127.0.0.1:{Port}/ws";

    public string ApiToken { get; private set; } = "";

    public HttpClient Api { get; } = new() { Timeout = TimeSpan.FromSeconds(60) };

    public StoreTarget Target => _target;

    /// <summary>What the server logged (at the harness's level, Warning and above unless configured).</summary>
    public CapturedLog Log { get; } = new();

    public ControlPlaneServer Server => _server ?? throw new InvalidOperationException("the server is stopped");

    /// <param name="build">Changes to the server's services (after the control plane's), e.g. <see cref="DashboardLogin.Build"/>.</param>
    public static async Task<ControlPlaneHarness> StartAsync(StoreTarget target, Action<ControlPlaneOptions>? configure = null, Action<WebApplicationBuilder>? build = null)
    {
        var harness = new ControlPlaneHarness(target, configure, build);
        try
        {
            var created = await harness.CliAsync("tokens", "create-api", "tests", "--scope", "exec");
            harness.ApiToken = created.LastLine;
            await harness.StartServerAsync("http://127.0.0.1:0");
            harness.Api.BaseAddress = new Uri(harness.BaseUrl);
            harness.Api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", harness.ApiToken);
            return harness;
        }
        catch
        {
            await harness.DisposeAsync();
            throw;
        }
    }

    private async Task StartServerAsync(string urls)
    {
        var options = new ControlPlaneOptions
        {
            Urls = urls,
            DataDirectory = _target.DataDirectory,
            Database = _target.Database,
            AllowArbitraryCommands = true,
            SweepInterval = TimeSpan.FromMilliseconds(100),
            MinimumLogLevel = Microsoft.Extensions.Logging.LogLevel.Warning,
            // The server's runs (hosted, pushed) in the test's own directory, never the user's.
            StateDirectory = Path.Combine(_directory.Path, "state"),
        };
        _configure?.Invoke(options);
        _server = await ControlPlaneServer.StartAsync(options, builder =>
        {
            builder.Logging.AddProvider(Log);
            _build?.Invoke(builder);
        });
        Port = new Uri(_server.Urls[0]).Port;
    }

    /// <summary>Stops the server (queued writes are stored first) and starts a new one on the same port and store.</summary>
    public async Task RestartServerAsync()
    {
        await _server!.DisposeAsync();
        _server = null;
        await StartServerAsync(BaseUrl);
    }

    public sealed record CliResult(int ExitCode, string Output, string Error)
    {
        public string LastLine => Output.TrimEnd().Split('\n')[^1].Trim();
    }

    /// <summary>Runs the <c>flotilla</c> CLI in-process with this harness's store options appended.</summary>
    public async Task<CliResult> CliAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await FlotillaCli.RunAsync([.. args, .. _target.Arguments], output, error, _directory.Path);
        var result = new CliResult(code, output.ToString(), error.ToString());
        Assert.True(code == 0, $"flotilla {string.Join(' ', args)} exited {code}: {result.Error}");
        return result;
    }

    /// <summary><c>flotilla hosts add NAME</c>; the token (its last line) in a file for the agent.</summary>
    public async Task<string> AddHostAsync(string name)
    {
        var added = await CliAsync("hosts", "add", name);
        return _directory.Write($"tokens/{name}", added.LastLine + "\n");
    }

    /// <summary>A real agent; its state (a token the server gives it at enrolment) in <paramref name="stateDirectory"/>, else in this harness's directory.</summary>
    public AgentProcess StartAgent(string tokenFile, double intervalSeconds = 0.5, string? stateDirectory = null, IReadOnlyDictionary<string, string>? environment = null, IReadOnlyList<string>? arguments = null)
    {
        var agent = AgentProcess.Start(AgentUrl, tokenFile, intervalSeconds, extraArguments: ["--state-dir", stateDirectory ?? Path.Combine(_directory.Path, "agent-state-" + _agents.Count), .. arguments ?? []], environment: environment);
        _agents.Add(agent);
        return agent;
    }

    public async Task<IReadOnlyList<HostView>> HostsAsync() =>
        (await Api.GetFromJsonAsync("/api/hosts", ApiJsonContext.Default.IReadOnlyListHostView))!;

    public async Task<HostView?> HostAsync(string name) => (await HostsAsync()).SingleOrDefault(h => h.Name == name);

    public async Task<CreateCommandsResponse> RunAsync(string on, params string[] argv)
    {
        using var response = await Api.PostAsJsonAsync("/api/commands", new CreateCommandsRequest(on, Argv: [.. argv]), ApiJsonContext.Default.CreateCommandsRequest);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync(ApiJsonContext.Default.CreateCommandsResponse))!;
    }

    public async Task<CommandView> CommandAsync(string id) =>
        (await Api.GetFromJsonAsync($"/api/commands/{id}", ApiJsonContext.Default.CommandView))!;

    public async Task<IReadOnlyList<OutputLineView>> OutputAsync(string id) =>
        (await Api.GetFromJsonAsync($"/api/commands/{id}/output", ApiJsonContext.Default.IReadOnlyListOutputLineView))!;

    public async Task<CommandView> WaitForStateAsync(string id, params string[] states)
    {
        CommandView? last = null;
        await Eventually.WaitAsync(async () => Array.IndexOf(states, (last = await CommandAsync(id)).State) >= 0, () => $"command {id} is {last?.State} ({last?.Message}), expected {string.Join('|', states)}; agents:\n{AgentLogs}\nserver:\n{Log.Text}");
        return last!;
    }

    public Task WaitForStatusAsync(string host, string status) =>
        Eventually.WaitAsync(async () => (await HostAsync(host))?.Status == status, () => $"host {host} never became {status}; agents:\n{AgentLogs}");

    /// <summary>The samples of <c>/metrics</c> by series (name with its labels): value.</summary>
    public async Task<IReadOnlyDictionary<string, double>> MetricsAsync()
    {
        var text = await Api.GetStringAsync("/metrics");
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith('#')))
        {
            var space = line.LastIndexOf(' ');
            values[line[..space]] = double.Parse(line[(space + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        }

        return values;
    }

    public async Task<double> MetricAsync(string series) => (await MetricsAsync()).GetValueOrDefault(series);

    public string AgentLogs => string.Join("\n---\n", _agents.Select(a => a.Log));

    public async ValueTask DisposeAsync()
    {
        foreach (var agent in _agents)
        {
            agent.Dispose();
        }

        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        Api.Dispose();
        _directory.Dispose();
    }
}
