using System.Text.RegularExpressions;
using static Microsoft.Playwright.Assertions;

namespace Flotilla.Browser.Tests;

[Collection(BrowserCollection.Name)]
public sealed partial class LoginBrowserTests(Chromium chromium)
{
    [Fact]
    public async Task Logging_in_with_password_and_TOTP_opens_the_fleet()
    {
        await using var session = await BrowserSession.StartAsync(chromium);
        await session.Page.GotoAsync(session.Url("/"));
        await Expect(session.Page).ToHaveURLAsync(LoginUrl());
        await Screenshots.SaveAsync(session.Page, "login");

        await session.LogInAsync();

        await Expect(session.Page).ToHaveURLAsync(session.Url("/"));
        await Expect(session.Page.GetByRole(AriaRole.Heading, new() { Name = "Fleet" })).ToBeVisibleAsync();
        await Expect(session.Page.Locator("header .who")).ToHaveTextAsync("admin");
    }

    [Fact]
    public async Task A_wrong_TOTP_code_is_refused()
    {
        await using var session = await BrowserSession.StartAsync(chromium);
        var right = session.FreshCode();

        await session.LogInAsync(code: right == "000000" ? "999999" : "000000");

        await Expect(session.Page).ToHaveURLAsync(LoginUrl());
        await Expect(session.Page.Locator("#login-error")).ToContainTextAsync("Wrong password or code");
        await Screenshots.SaveAsync(session.Page, "login-refused");
    }

    [Fact]
    public async Task A_replayed_TOTP_code_is_refused()
    {
        await using var session = await BrowserSession.StartAsync(chromium);
        var code = session.FreshCode();
        await session.LogInAsync(code: code);
        await Expect(session.Page).ToHaveURLAsync(session.Url("/"));

        // Someone who saw the code types it into another browser within its 30 seconds.
        var other = await session.Context.Browser!.NewContextAsync();
        try
        {
            var page = await other.NewPageAsync();
            await session.LogInAsync(page, code);

            await Expect(page).ToHaveURLAsync(LoginUrl());
            await Expect(page.Locator("#login-error")).ToBeVisibleAsync();
            var audit = await session.Host.Get<IAuditLog>().ListAsync(1);
            Assert.Equal("totp replayed", audit[0].Result);
        }
        finally
        {
            await other.CloseAsync();
        }
    }

    [Fact]
    public async Task A_post_to_login_without_its_antiforgery_token_is_rejected()
    {
        await using var session = await BrowserSession.StartAsync(chromium);
        await session.Page.GotoAsync(session.Url("/login"));

        var status = await session.Page.EvaluateAsync<int>("""
            async ([password, code]) => (await fetch("/login", { method: "POST", body: new URLSearchParams({ Password: password, Code: code }) })).status
            """, new[] { DashboardHost.Password, session.FreshCode() });

        Assert.Equal(400, status);
        Assert.Empty(await session.Host.Get<IAuditLog>().ListAsync(10));
    }

    [Fact]
    public async Task Logging_out_ends_the_session()
    {
        await using var session = await BrowserSession.StartAsync(chromium);
        await session.LogInAsync();
        await Expect(session.Page).ToHaveURLAsync(session.Url("/"));

        await session.Page.GetByRole(AriaRole.Button, new() { Name = "Log out" }).ClickAsync();

        await Expect(session.Page).ToHaveURLAsync(LoginUrl());
        await session.Page.GotoAsync(session.Url("/audit"));
        await Expect(session.Page).ToHaveURLAsync(LoginUrl());
    }

    [Fact]
    public async Task The_enrolment_page_shows_a_QR_code_and_checks_a_code_from_the_app()
    {
        await using var session = await BrowserSession.StartAsync(chromium);
        await session.LogInAsync();
        await session.Page.GotoAsync(session.Url("/enroll"));
        await Expect(session.Page.Locator("#qr")).ToBeVisibleAsync();
        var width = await session.Page.Locator("#qr").EvaluateAsync<int>("img => img.naturalWidth");
        Assert.True(width > 0, "the QR code image did not load");
        await Screenshots.SaveAsync(session.Page, "enroll");
        var uri = await session.Page.Locator("#otpauth").GetAttributeAsync("href");
        var secret = OtpSecret().Match(uri!).Groups[1].Value;
        Security.TotpSecret.TryParse(secret, out var parsed, out _);

        await session.Page.GetByLabel("Code from your app").FillAsync(Security.Totp.Code(parsed!, Security.Totp.Step(session.Time.GetUtcNow(), Security.TotpOptions.Default), Security.TotpOptions.Default));
        await session.Page.GetByRole(AriaRole.Button, new() { Name = "Check" }).ClickAsync();

        await Expect(session.Page.Locator("#enrolled pre")).ToHaveTextAsync("FLOTILLA_TOTP_SECRET=" + secret);
    }

    private static Regex LoginUrl() => LoginPattern();

    [GeneratedRegex("/login(\\?.*)?$")]
    private static partial Regex LoginPattern();

    [GeneratedRegex("secret=([A-Z2-7]+)")]
    private static partial Regex OtpSecret();
}
