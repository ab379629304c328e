using Microsoft.Extensions.Time.Testing;
using System.Collections.Immutable;
using System.Net;
using System.Text.RegularExpressions;
using Flotilla.ControlPlane;
using Flotilla.ControlPlane.Dashboard;
using Flotilla.Execution.Tests.Doubles;
using Flotilla.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Flotilla.Tests.Support;

/// <summary>
/// The dashboard's login on a <see cref="ControlPlaneHarness"/> server (as <c>serve</c> wires it),
/// and a cookie-keeping HTTP client for it. Only the TOTP check reads a manual clock, so
/// <see cref="FreshCode"/> gives a code the server has not seen without a 30 s wait.
/// </summary>
public sealed partial class DashboardLogin : IDisposable
{
    public const string User = "admin";
    public const string Password = "correct horse battery staple";

    private readonly TotpSecret _totp = TotpSecret.Generate();
    private readonly FakeTimeProvider _totpClock = new(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));
    private readonly HttpClientHandler _handler = new() { CookieContainer = new CookieContainer(), AllowAutoRedirect = false, UseCookies = true };

    public DashboardLogin()
    {
        Http = new HttpClient(_handler) { Timeout = TimeSpan.FromSeconds(60) };
    }

    /// <summary>Sends the session cookie (and nothing else) with every request.</summary>
    public HttpClient Http { get; }

    /// <summary>For <see cref="ControlPlaneHarness.StartAsync"/>: the dashboard with this login.</summary>
    public void Configure(ControlPlaneOptions options)
    {
        var account = new LoginAccount(User, PasswordHash.Create(Password, PasswordHashAlgorithm.Bcrypt, cost: 4), _totp);
        options.Dashboard = new DashboardSettings(new CredentialSettings(account, SessionSecret.Generate(), ImmutableArray<string>.Empty));
    }

    /// <summary>For <see cref="ControlPlaneHarness.StartAsync"/>: TOTP codes checked against the manual clock.</summary>
    public void Build(WebApplicationBuilder builder) =>
        builder.Services.AddSingleton(sp => new TotpValidator(sp.GetRequiredService<ITotpStepStore>(), _totpClock, TotpOptions.Default));

    /// <summary>A code the server has not seen used: the TOTP clock moves on one step first.</summary>
    public string FreshCode()
    {
        _totpClock.Advance(TimeSpan.FromSeconds(30));
        return Totp.Code(_totp, Totp.Step(_totpClock.GetUtcNow(), TotpOptions.Default), TotpOptions.Default);
    }

    /// <summary>Logs in with the password and a fresh code; returns the code used.</summary>
    public async Task<string> LogInAsync(string baseUrl)
    {
        Http.BaseAddress ??= new Uri(baseUrl);
        var code = FreshCode();
        using var response = await Http.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__csrf"] = await CsrfTokenAsync("/login"),
            ["Password"] = Password,
            ["Code"] = code,
        }));
        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        return code;
    }

    /// <summary>The antiforgery token of a page's form: what a dashboard page would put in X-CSRF-Token.</summary>
    public async Task<string> CsrfTokenAsync(string page = "/")
    {
        var html = await Http.GetStringAsync(page);
        return CsrfField().Match(html) is { Success: true } match
            ? WebUtility.HtmlDecode(match.Groups[1].Value)
            : throw new InvalidOperationException("no antiforgery token in " + page);
    }

    public void Dispose()
    {
        Http.Dispose();
        _handler.Dispose();
    }

    [GeneratedRegex("name=\"__csrf\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex CsrfField();
}
