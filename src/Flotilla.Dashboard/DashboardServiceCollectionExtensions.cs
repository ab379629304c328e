using Flotilla.Dashboard.Internal;
using Flotilla.Execution;
using Flotilla.Security;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Flotilla.Dashboard;

public static class DashboardServiceCollectionExtensions
{
    /// <summary>The authentication scheme of dashboard sessions (the session cookie).</summary>
    public const string SessionScheme = "FlotillaSession";

    /// <summary>
    /// Adds the dashboard: Razor Pages, the session cookie scheme, antiforgery, the login throttle
    /// and TOTP checks. Stores and sources registered before this call are kept; the rest default
    /// to memory (<see cref="InMemorySessionStore"/>, <see cref="InMemoryAuditLog"/>,
    /// <see cref="InMemoryTotpStepStore"/>), the run journals (<see cref="JournalRunSource"/>), and
    /// an empty fleet that refuses commands.
    /// </summary>
    public static IServiceCollection AddFlotillaDashboard(this IServiceCollection services, CredentialSettings credentials, Action<DashboardOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        services.AddOptions<DashboardOptions>().Configure(options => configure?.Invoke(options));
        services.AddSingleton(credentials);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ISessionStore, InMemorySessionStore>();
        services.TryAddSingleton<IAuditLog, InMemoryAuditLog>();
        services.TryAddSingleton<ITotpStepStore, InMemoryTotpStepStore>();
        services.TryAddSingleton<NoControlPlane>();
        services.TryAddSingleton<IFleetSource>(provider => provider.GetRequiredService<NoControlPlane>());
        services.TryAddSingleton<ICommandService>(provider => provider.GetRequiredService<NoControlPlane>());
        services.TryAddSingleton<IRunLauncher>(provider => provider.GetRequiredService<NoControlPlane>());
        services.TryAddSingleton<IRunSource>(provider =>
            new JournalRunSource(provider.GetRequiredService<IOptions<DashboardOptions>>().Value.StateDirectory ?? RunJournal.DefaultStateDirectory()));
        services.AddSingleton(provider => new SessionTokens(provider.GetRequiredService<CredentialSettings>().SessionSecret));
        services.AddSingleton(provider => new LoginThrottle(provider.GetRequiredService<TimeProvider>(), provider.GetRequiredService<IOptions<DashboardOptions>>().Value.LoginThrottle));
        services.AddSingleton(provider => new TotpValidator(
            provider.GetRequiredService<ITotpStepStore>(),
            provider.GetRequiredService<TimeProvider>(),
            provider.GetRequiredService<IOptions<DashboardOptions>>().Value.Totp));
        services.AddSingleton<LoginService>();
        services.AddSingleton<CommandSender>();
        services.AddSingleton<ISessionCommandSender>(provider => provider.GetRequiredService<CommandSender>());
        services.AddSingleton<RunStarter>();
        services.AddSingleton<SessionSweeper>();
        services.AddHostedService(provider => provider.GetRequiredService<SessionSweeper>());

        var configured = new DashboardOptions();
        configure?.Invoke(configured);
        services.AddDataProtection().SetApplicationName("Flotilla");
        // Never ~/.aspnet: nothing is written outside the server's own directories, and keys are 0600.
        IXmlRepository keys = configured.KeysDirectory is { } directory ? new PrivateFileXmlRepository(directory) : new MemoryXmlRepository();
        services.Configure<KeyManagementOptions>(options => options.XmlRepository = keys);

        services.AddAuthentication(SessionScheme)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, SessionAuthenticationHandler>(SessionScheme, null);
        services.AddAuthorization();
        services.AddAntiforgery(options =>
        {
            options.Cookie.Name = "flotilla_csrf";
            options.Cookie.HttpOnly = true;
            options.Cookie.SameSite = SameSiteMode.Strict;
            options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            options.HeaderName = "X-CSRF-Token";
            options.FormFieldName = "__csrf";
        });
        services.AddRazorPages(options =>
            {
                options.Conventions.AuthorizeFolder("/");
                options.Conventions.AllowAnonymousToPage("/Login");
            })
            .AddApplicationPart(typeof(DashboardServiceCollectionExtensions).Assembly);
        services.Configure<Microsoft.AspNetCore.Routing.RouteOptions>(options => options.LowercaseUrls = true);
        return services;
    }
}
