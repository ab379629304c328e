using System.Collections.Immutable;
using System.Runtime.InteropServices;
using Flotilla.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Flotilla.Dashboard.Tests.Support;

/// <summary>
/// The dashboard on a real Kestrel, bound to a free loopback port, with a known user
/// (password <see cref="Password"/>, TOTP <see cref="Totp"/>) and <see cref="TestFleet"/> as its
/// control plane. Disposing stops the server and frees the port.
/// </summary>
public sealed class DashboardHost : IAsyncDisposable
{
    public const string Password = "correct horse battery staple";

    private readonly WebApplication _app;

    /// <summary>The stop signals this process got, noted (not handled: the default or a console lifetime still acts on them).</summary>
    private static readonly PosixSignalRegistration[] SignalsWatched =
        [.. new[] { PosixSignal.SIGTERM, PosixSignal.SIGINT, PosixSignal.SIGQUIT }.Select(s => PosixSignalRegistration.Create(s, c => LastSignal = $"{c.Signal} at {TimeProvider.System.GetUtcNow():O}"))];

    private static string? LastSignal { get; set; }

    private volatile bool _disposing;

    private DashboardHost(WebApplication app, Uri address, TotpSecret totp, TestFleet fleet)
    {
        _app = app;
        Address = address;
        Totp = totp;
        Fleet = fleet;
        // A web application stops itself on SIGTERM, SIGINT or SIGQUIT to the process (its console
        // lifetime): a test whose server went away says so, with where the stop came from.
        app.Lifetime.ApplicationStopping.Register(() =>
        {
            if (!_disposing)
            {
                StoppedEarly = $"the dashboard at {address} stopped before the test ended, at {TimeProvider.System.GetUtcNow():O}; the last stop signal to this process: {LastSignal ?? "none"} ({SignalsWatched.Length} watched); stopped from:\n{Environment.StackTrace}";
            }
        });
    }

    /// <summary>Why the dashboard stopped before the test disposed it, or null while it runs.</summary>
    public string? StoppedEarly { get; private set; }

    public Uri Address { get; }

    public TotpSecret Totp { get; }

    public TestFleet Fleet { get; }

    public IServiceProvider Services => _app.Services;

    public T Get<T>()
        where T : notnull => _app.Services.GetRequiredService<T>();

    /// <summary>The code for now, or for the step <paramref name="steps"/> away from now.</summary>
    public string Code(int steps = 0) => Security.Totp.Code(Totp, Security.Totp.Step(Get<TimeProvider>().GetUtcNow(), TotpOptions.Default) + steps, TotpOptions.Default);

    /// <param name="passwordCost">The bcrypt cost of the user's password hash (4 is fast; real ones are 10 or more).</param>
    public static async Task<DashboardHost> StartAsync(bool withUser = true, bool withTotp = true, Action<DashboardOptions>? configure = null, TimeProvider? time = null, int passwordCost = 4)
    {
        var totp = TotpSecret.Generate();
        var account = withUser
            ? new LoginAccount("admin", PasswordHash.Create(Password, PasswordHashAlgorithm.Bcrypt, cost: passwordCost), withTotp ? totp : null)
            : null;
        var credentials = new CredentialSettings(account, SessionSecret.Generate(), ImmutableArray<string>.Empty);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(DashboardHost).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = "Production",
        });
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var fleet = new TestFleet(time ?? TimeProvider.System);
        builder.Services.AddSingleton(time ?? TimeProvider.System);
        builder.Services.AddSingleton(fleet);
        builder.Services.AddSingleton<IFleetSource>(fleet);
        builder.Services.AddSingleton<ICommandService>(fleet);
        builder.Services.AddFlotillaDashboard(credentials, configure);
        var app = builder.Build();
        app.UseFlotillaDashboard();
        app.MapFlotillaDashboard();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        return new DashboardHost(app, new Uri(address), totp, fleet);
    }

    public async ValueTask DisposeAsync()
    {
        _disposing = true;
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
