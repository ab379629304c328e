using Microsoft.Extensions.Time.Testing;
using System.Collections.Immutable;
using Flotilla.ControlPlane;
using Flotilla.ControlPlane.Dashboard;
using Flotilla.ControlPlane.Auth;
using Flotilla.ControlPlane.Store;
using Flotilla.Security;
using Microsoft.Extensions.DependencyInjection;

namespace Flotilla.Browser.Tests;

/// <summary>
/// The real <c>flotilla serve</c> server in-process (the control plane with the dashboard wired
/// in as <c>serve</c> does it: SQLite store, hub, command service, API) on a free loopback port,
/// real <c>flotilla agent</c> processes, and a fresh browser context. Only the TOTP check reads a
/// manual clock, so a test gets a fresh code without waiting 30 s; the step store is the real one.
/// Everything (agents, server, files) goes away on dispose.
/// </summary>
internal sealed class ServerSession : IAsyncDisposable
{
    public const string Password = "correct horse battery staple";

    private readonly TempDirectory _directory = new();
    private readonly List<AgentProcess> _agents = [];
    private ControlPlaneServer? _server;

    private ServerSession(TotpSecret totp, FakeTimeProvider totpClock)
    {
        Totp = totp;
        TotpClock = totpClock;
    }

    public ControlPlaneServer Server => _server!;

    public IControlPlaneStore Store => Server.Services.GetRequiredService<IControlPlaneStore>();

    public IBrowserContext Context { get; private set; } = null!;

    public IPage Page { get; private set; } = null!;

    public TotpSecret Totp { get; }

    public FakeTimeProvider TotpClock { get; }

    public Uri Address { get; private set; } = null!;

    public string StateDirectory => Path.Combine(_directory.Path, "state");

    public string Url(string path) => new Uri(Address, path).ToString();

    public string AgentLogs => string.Join("\n---\n", _agents.Select(a => a.Log));

    public static async Task<ServerSession> StartAsync(Chromium chromium, Action<ControlPlaneOptions>? configure = null)
    {
        var totp = TotpSecret.Generate();
        var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));
        var session = new ServerSession(totp, clock);
        try
        {
            var account = new LoginAccount("admin", PasswordHash.Create(Password, PasswordHashAlgorithm.Bcrypt, cost: 4), totp);
            var options = new ControlPlaneOptions
            {
                Urls = "http://127.0.0.1:0",
                DataDirectory = Path.Combine(session._directory.Path, "data"),
                AllowArbitraryCommands = true,
                SweepInterval = TimeSpan.FromMilliseconds(200),
                MinimumLogLevel = Microsoft.Extensions.Logging.LogLevel.Warning,
                StateDirectory = session.StateDirectory,
                Dashboard = new DashboardSettings(
                    new CredentialSettings(account, SessionSecret.Generate(), ImmutableArray<string>.Empty),
                    dashboard => dashboard.StateDirectory = session.StateDirectory),
            };
            configure?.Invoke(options);
            session._server = await ControlPlaneServer.StartAsync(options, builder =>
                builder.Services.AddSingleton(sp => new TotpValidator(sp.GetRequiredService<ITotpStepStore>(), clock, TotpOptions.Default)));
            session.Address = new Uri(session._server.Urls[0]);
            session.Context = await chromium.Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 800 } });
            session.Context.SetDefaultTimeout(30_000);
            session.Page = await session.Context.NewPageAsync();
            return session;
        }
        catch
        {
            await session.DisposeAsync();
            throw;
        }
    }

    /// <summary>A host with a per-host token (only its hash stored), the token in a file for its agent.</summary>
    public async Task<string> AddHostAsync(string name)
    {
        var token = Tokens.NewHostToken();
        Assert.True(await Store.SetHostTokenAsync(name, Tokens.Hash(token), DateTimeOffset.FromUnixTimeSeconds(1_800_000_000), replace: false));
        return _directory.Write($"tokens/{name}", token + "\n");
    }

    /// <summary>A real <c>flotilla agent</c> process connecting to this server's /ws.</summary>
    public AgentProcess StartAgent(string tokenFile, string? repo = null, params string[] tags)
    {
        var agent = AgentProcess.Start($"ws://{Address.Authority}/ws", tokenFile, 0.5, repo, [.. tags.SelectMany(t => new[] { "--tag", t })]);
        _agents.Add(agent);
        return agent;
    }

    /// <summary>An API token of <paramref name="scope"/> in a file, for the CLI's <c>--token-file</c>.</summary>
    public async Task<string> AddApiTokenAsync(string name, ApiTokenScope scope = ApiTokenScope.Ops)
    {
        var token = Tokens.NewApiToken();
        Assert.True(await Store.AddApiTokenAsync(name, Tokens.Hash(token), DateTimeOffset.FromUnixTimeSeconds(1_800_000_000), scope));
        return _directory.Write($"api-tokens/{name}", token + "\n");
    }

    /// <summary>A code the server has not seen used: the TOTP clock moves on one step first.</summary>
    public string FreshCode()
    {
        TotpClock.Advance(TimeSpan.FromSeconds(30));
        return Security.Totp.Code(Totp, Security.Totp.Step(TotpClock.GetUtcNow(), TotpOptions.Default), TotpOptions.Default);
    }

    public async Task LogInAsync(IPage? page = null, string? code = null)
    {
        page ??= Page;
        await page.GotoAsync(Url("/login"));
        await page.GetByLabel("Password").FillAsync(Password);
        await page.GetByLabel("Code from your authenticator app").FillAsync(code ?? FreshCode());
        await page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var agent in _agents)
        {
            agent.Dispose();
        }

        if (Context is not null)
        {
            await Context.CloseAsync();
        }

        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        _directory.Dispose();
    }
}
