using Flotilla.Contracts;
using Flotilla.ControlPlane.Auth;
using Flotilla.ControlPlane.Dashboard;
using Flotilla.Dashboard;
using Flotilla.ControlPlane.Endpoints;
using Flotilla.ControlPlane.Events;
using Flotilla.ControlPlane.Internal;
using Flotilla.ControlPlane.Store;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Flotilla.ControlPlane;

/// <summary>
/// <c>flotilla serve</c>: Kestrel with <c>/ws</c> for agents, the JSON API, <c>/healthz</c> and
/// <c>/metrics</c>. Start it, read <see cref="Urls"/>, dispose it to stop (queued writes are
/// stored first).
/// </summary>
public sealed class ControlPlaneServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly IControlPlaneStore _store;

    private ControlPlaneServer(WebApplication app, IControlPlaneStore store)
    {
        _app = app;
        _store = store;
    }

    /// <summary>The addresses Kestrel listens on (with the real port when 0 was asked for).</summary>
    public IReadOnlyList<string> Urls =>
        [.. _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? []];

    /// <summary>Live events (host online/offline, command changes, output) for in-process subscribers such as the dashboard.</summary>
    public ControlPlaneEvents Events => _app.Services.GetRequiredService<ControlPlaneEvents>();

    public IServiceProvider Services => _app.Services;

    /// <summary>The most agents this server takes at once, and where that number came from.</summary>
    public (int Max, string Source) AgentLimit => (_app.Services.GetRequiredService<AgentAdmission>().Max, _app.Services.GetRequiredService<AgentAdmission>().Source);

    public static async Task<ControlPlaneServer> StartAsync(ControlPlaneOptions options, Action<WebApplicationBuilder>? configure = null, Action<WebApplication>? map = null, CancellationToken cancellationToken = default)
    {
        var store = await ControlPlaneStores.OpenAsync(options.DataDirectory, options.Database, cancellationToken).ConfigureAwait(false);
        try
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls(options.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            // What Kestrel reads ahead of the server per connection (it stops reading past it):
            // an agent's connection the server holds back buffers no more than this there.
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBufferSize = 64 * 1024);
            builder.Logging.SetMinimumLevel(options.MinimumLogLevel);
            builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
            AddControlPlane(builder.Services, options, store);
            if (options.Dashboard is { } dashboard)
            {
                ControlPlaneDashboard.AddServices(builder.Services, store, dashboard);
            }

            configure?.Invoke(builder);
            var app = builder.Build();
            app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(30) });
            if (options.Dashboard is null)
            {
                app.UseAuthentication();
                app.UseAuthorization();
            }
            else
            {
                app.UseFlotillaDashboard();
                ControlPlaneDashboard.UseApiAntiforgery(app);
            }

            app.MapAgentSocket();
            app.MapHostsApi();
            app.MapCommandsApi();
            app.MapRunsApi();
            app.MapLeasesApi();
            app.MapHealth();
            if (options.Dashboard is not null)
            {
                app.MapFlotillaDashboard();
            }

            map?.Invoke(app);
            app.Services.GetRequiredService<AgentAdmission>();
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            return new ControlPlaneServer(app, store);
        }
        catch
        {
            await store.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static void AddControlPlane(IServiceCollection services, ControlPlaneOptions options, IControlPlaneStore store)
    {
        services.AddSingleton(options);
        services.AddSingleton(options.TimeProvider);
        services.AddSingleton(store);
        services.AddSingleton<FleetState>();
        services.AddSingleton<ControlPlaneEvents>();
        services.AddSingleton<ControlPlaneMetrics>();
        services.AddSingleton<StoreWriter>();
        services.AddHostedService(sp => sp.GetRequiredService<StoreWriter>());
        services.AddSingleton<AgentHub>();
        services.AddSingleton<AgentAdmission>();
        services.AddSingleton<CommandService>();
        services.AddSingleton<ApiCommandGate>();
        services.AddSingleton<OutputStreaming>();
        services.AddHostedService<Sweeper>();
        // The runs it hosts (the dashboard starts them); before the dashboard's services, whose default launcher refuses.
        services.AddSingleton<Runs.RunArchive>();
        services.AddSingleton<Runs.StoreHostLeases>();
        services.AddSingleton<Runs.ServerRuns>();
        services.AddSingleton<IRunLauncher>(sp => sp.GetRequiredService<Runs.ServerRuns>());
        services.AddHostedService(sp => sp.GetRequiredService<Runs.ServerRuns>());
        services.ConfigureHttpJsonOptions(json => json.SerializerOptions.TypeInfoResolverChain.Insert(0, ApiJsonContext.Default));
        var sessionScheme = options.Dashboard is null ? null : DashboardServiceCollectionExtensions.SessionScheme;
        services.AddAuthentication(ApiAuthentication.Scheme)
            .AddScheme<AuthenticationSchemeOptions, ApiTokenAuthenticationHandler>(ApiAuthentication.Scheme, null)
            .AddPolicyScheme(ApiAuthentication.RequestScheme, null, scheme => scheme.ForwardDefaultSelector = context => ApiAuthentication.SchemeFor(context.Request, sessionScheme));
        services.AddAuthorization(authorization => authorization.AddPolicy(ApiAuthentication.Policy, policy =>
            policy.AddAuthenticationSchemes(ApiAuthentication.RequestScheme).RequireAuthenticatedUser()));
    }

    /// <summary>Runs until <paramref name="cancellationToken"/> is cancelled or the host stops (SIGTERM, Ctrl-C).</summary>
    public async Task WaitAsync(CancellationToken cancellationToken)
    {
        var stopping = _app.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stopping);
        try
        {
            await Task.Delay(Timeout.Infinite, either.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        await _store.DisposeAsync().ConfigureAwait(false);
    }
}
