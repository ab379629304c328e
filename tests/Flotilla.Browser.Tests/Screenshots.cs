using Microsoft.Playwright;

namespace Flotilla.Browser.Tests;

/// <summary>
/// Saves what a page looks like at desktop (1280x800) and phone (390x844) width, as
/// NAME.desktop.png and NAME.phone.png, into FLOTILLA_SCREENSHOTS or else
/// artifacts/test-results/screenshots in the repository (scripts/test.sh keeps that folder).
/// </summary>
internal static class Screenshots
{
    public static readonly (string Name, int Width, int Height)[] Sizes = [("desktop", 1280, 800), ("phone", 390, 844)];

    public static string Directory { get; } = Locate();

    public static async Task<IReadOnlyList<string>> SaveAsync(IPage page, string name)
    {
        var saved = new List<string>();
        var original = page.ViewportSize;
        foreach (var (size, width, height) in Sizes)
        {
            await page.SetViewportSizeAsync(width, height);
            var path = Path.Combine(Directory, $"{name}.{size}.png");
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
            saved.Add(path);
        }

        if (original is not null)
        {
            await page.SetViewportSizeAsync(original.Width, original.Height);
        }

        return saved;
    }

    private static string Locate()
    {
        var configured = Environment.GetEnvironmentVariable("FLOTILLA_SCREENSHOTS");
        string directory;
        if (!string.IsNullOrEmpty(configured))
        {
            directory = configured;
        }
        else
        {
            var root = new DirectoryInfo(AppContext.BaseDirectory);
            while (root is not null && !File.Exists(Path.Combine(root.FullName, "Flotilla.slnx")))
            {
                root = root.Parent;
            }

            directory = Path.Combine(root?.FullName ?? AppContext.BaseDirectory, "artifacts", "test-results", "screenshots");
        }

        System.IO.Directory.CreateDirectory(directory);
        return directory;
    }
}
