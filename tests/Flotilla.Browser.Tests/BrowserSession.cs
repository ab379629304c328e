using Microsoft.Extensions.Time.Testing;
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

    /// <summary>
    /// Moves the dashboard's clock a second every 100 ms until disposed, so that what waits on it
    /// (the run page's stream looks at the journal once a second of it) goes on while the test
    /// waits for the page; a fake clock's timers fire only when it is moved.
    /// </summary>
    public IAsyncDisposable LetTimePass()
    {
        var stop = new CancellationTokenSource();
        var ticker = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                Time.Advance(TimeSpan.FromSeconds(1));
                await Task.Delay(100);
            }
        });
        return new Ticker(stop, ticker);
    }

    private sealed class Ticker(CancellationTokenSource stop, Task ticker) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await stop.CancelAsync();
            await ticker;
            stop.Dispose();
        }
    }

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

    public async Task LogInAsync(IPage? page = null, string? code = null)
    {
        page ??= Page;
        try
        {
            await page.GotoAsync(Url("/login"));
        }
        catch (PlaywrightException e) when (Host.StoppedEarly is { } why)
        {
            throw new InvalidOperationException(why, e);
        }

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
