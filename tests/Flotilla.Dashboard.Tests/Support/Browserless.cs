using System.Net;
using System.Text.RegularExpressions;

namespace Flotilla.Dashboard.Tests.Support;

/// <summary>An HTTP client with a cookie jar that does not follow redirects, and the form token of a page.</summary>
public sealed partial class Browserless : IDisposable
{
    private readonly HttpClientHandler _handler;

    public Browserless(Uri address)
    {
        _handler = new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false, UseCookies = true };
        Http = new HttpClient(_handler) { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
    }

    public HttpClient Http { get; }

    public CookieContainer Cookies => _handler.CookieContainer;

    /// <summary>The antiforgery token in the page's first form.</summary>
    public static string FormToken(string html) => TokenPattern().Match(html) is { Success: true } match
        ? WebUtility.HtmlDecode(match.Groups[1].Value)
        : throw new InvalidOperationException("no antiforgery token in the page");

    public Task<HttpResponseMessage> PostFormAsync(string path, params (string Name, string Value)[] fields) => PostFormAsync(path, null, fields);

    /// <summary>Posts a form; <paramref name="forwardedProto"/> sets X-Forwarded-Proto as a proxy in front would.</summary>
    public async Task<HttpResponseMessage> PostFormAsync(string path, string? forwardedProto, params (string Name, string Value)[] fields)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new FormUrlEncodedContent(fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value))),
        };
        if (forwardedProto is not null)
        {
            request.Headers.Add("X-Forwarded-Proto", forwardedProto);
        }

        return await Http.SendAsync(request);
    }

    /// <summary>Logs in as the host's user; returns the response to the POST.</summary>
    public async Task<HttpResponseMessage> LogInAsync(DashboardHost host, string? code = null, string password = DashboardHost.Password, string? forwardedProto = null)
    {
        var page = await Http.GetStringAsync("/login");
        return await PostFormAsync("/login", forwardedProto, ("__csrf", FormToken(page)), ("Password", password), ("Code", code ?? host.Code()));
    }

    public void Dispose()
    {
        Http.Dispose();
        _handler.Dispose();
    }

    [GeneratedRegex("name=\"__csrf\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();
}
