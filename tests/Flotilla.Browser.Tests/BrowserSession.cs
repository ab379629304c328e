using Microsoft.Playwright;

namespace Flotilla.Browser.Tests;

/// <summary>A dashboard on Kestrel and a fresh browser context (its own cookies) at desktop size; both go away with it.</summary>
internal sealed class BrowserSession : IAsyncDisposable
{
    private BrowserSession(DashboardHost host, IBrowserContext context, IPage page, FakeTimeProvider time)
    {
        Host = host;
        Context = context;
        Page = page;
        Time = time;
    }

    public DashboardHost Host { get; }

    public IBrowserContext Context { get; }

    public IPage Page { get; }

    /// <summary>The dashboard's clock: moving it 30 s gives a fresh TOTP code.</summary>
    public FakeTimeProvider Time { get; }

    public string Url(string path) => new Uri(Host.Address, path).ToString();

    public static async Task<BrowserSession> StartAsync(Chromium chromium, Action<DashboardOptions>? configure = null, bool withTotp = true)
    {
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));
        var host = await DashboardHost.StartAsync(withTotp: withTotp, configure: configure, time: time);
        var context = await chromium.Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 800 } });
        context.SetDefaultTimeout(15_000);
        var page = await context.NewPageAsync();
        return new BrowserSession(host, context, page, time);
    }

    /// <summary>A code the dashboard has not seen used: the clock moves on one step first.</summary>
    public string FreshCode()
    {
        Time.Advance(TimeSpan.FromSeconds(30));
        return Host.Code();
    }

    /// <summary>
    /// Moves the dashboard's clock on a second at a time until <paramref name="shown"/> is on the
    /// page: a run's event stream reads the journal again after each second of that clock, which
    /// passes only when a test moves it. At most a minute of it; the caller's assertions follow.
    /// </summary>
    public async Task AdvanceUntilShownAsync(ILocator shown)
    {
        for (var second = 0; second < 60 && await shown.CountAsync() == 0; second++)
        {
            Time.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(250);
        }
    }

    public async Task LogInAsync(IPage? page = null, string? code = null)
    {
        page ??= Page;
        await page.GotoAsync(Url("/login"));
        await page.GetByLabel("Password").FillAsync(DashboardHost.Password);
        await page.GetByLabel("Code from your authenticator app").FillAsync(code ?? FreshCode());
        await page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await Context.CloseAsync();
        await Host.DisposeAsync();
    }
}
