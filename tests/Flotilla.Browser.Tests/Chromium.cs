using Microsoft.Playwright;

namespace Flotilla.Browser.Tests;

/// <summary>
/// Debian's Chromium (/usr/bin/chromium, installed by scripts/setup.sh) driven by Playwright. No
/// browser is downloaded: the NuGet package brings Playwright's driver (playwright-core and a
/// node binary, copied to bin/.playwright by its build targets) and the launch names the
/// executable. Started once for the test collection; a browser that cannot start fails every
/// browser test (never skips them).
/// </summary>
public sealed class Chromium : IAsyncLifetime
{
    public const string ExecutablePath = "/usr/bin/chromium";

    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>Flags for a machine without network or GPU (the env skill's machine notes): no background connections, no first-run work.</summary>
    public static IReadOnlyList<string> Arguments()
    {
        List<string> arguments = ["--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"];
        // Chromium's sandbox refuses to run as root.
        if (Environment.UserName == "root" || Environment.GetEnvironmentVariable("FLOTILLA_BROWSER_NO_SANDBOX") == "1")
        {
            arguments.Add("--no-sandbox");
        }

        return arguments;
    }

    public async Task InitializeAsync()
    {
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        if (!File.Exists(ExecutablePath))
        {
            throw new InvalidOperationException($"{ExecutablePath} is missing: browser tests need Debian's chromium (scripts/setup.sh installs it)");
        }

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            Args = Arguments(),
            Timeout = 60_000,
        });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        _playwright?.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<Chromium>
{
    public const string Name = "browser";
}
