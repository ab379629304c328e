using System.Net;
using System.Text.RegularExpressions;
using Flotilla.Cli;
using Flotilla.Security;
using Flotilla.Tests.Support;

namespace Flotilla.Tests;

/// <summary><c>flotilla serve</c> as the CLI starts it: the dashboard on the same address as the API, with credentials or without.</summary>
public sealed partial class ServeDashboardCliTests
{
    private sealed class Serve : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly StringWriter _output = new();
        private readonly StringWriter _error = new();
        private readonly TextWriter _syncOutput;
        private readonly Task<int> _run;

        public Serve(params string[] args)
        {
            _syncOutput = TextWriter.Synchronized(_output);
            string[] listen = args.Contains("--urls") ? [] : ["--urls", "http://127.0.0.1:0"];
            _run = FlotillaCli.RunAsync(["serve", .. listen, .. args], _syncOutput, TextWriter.Synchronized(_error), Directory.GetCurrentDirectory(), _stop.Token);
        }

        public string Output
        {
            get
            {
                lock (_syncOutput)
                {
                    return _output.ToString();
                }
            }
        }

        public async Task<Uri> UrlAsync()
        {
            Match? listening = null;
            await Eventually.WaitAsync(() => Task.FromResult(_run.IsCompleted || (listening = Listening().Match(Output)).Success), () => "serve printed no address: " + Output + _error);
            Assert.False(_run.IsCompleted, "serve ended: " + Output + _error);
            return new Uri(listening!.Groups[1].Value);
        }

        public async Task<int> StopAsync()
        {
            await _stop.CancelAsync();
            return await _run;
        }

        public async ValueTask DisposeAsync()
        {
            if (!_run.IsCompleted)
            {
                await StopAsync();
            }

            _stop.Dispose();
        }
    }

    /// <summary>Logs in to the dashboard at <paramref name="url"/> as a browser does (form, CSRF token, a current code); returns the client with its session cookie and the login's status.</summary>
    private static async Task<(HttpClient Client, HttpStatusCode Login)> LogInAsync(Uri url, string password, TotpSecret totp)
    {
        var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() }) { BaseAddress = url };
        var code = Totp.Code(totp, Totp.Step(TimeProvider.System.GetUtcNow(), TotpOptions.Default), TotpOptions.Default);
        using var login = await http.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Password"] = password,
            ["Code"] = code,
            ["__csrf"] = await AntiforgeryTokenAsync(http),
        }));
        return (http, login.StatusCode);
    }

    private static async Task<string> AntiforgeryTokenAsync(HttpClient http)
    {
        var page = await http.GetStringAsync("/login");
        return CsrfField().Match(page).Groups[1].Value;
    }

    [Fact]
    public async Task Serve_with_a_missing_inventory_stops_at_once_and_names_it()
    {
        using var data = new TempDirectory();
        using var output = new StringWriter();
        using var error = new StringWriter();
        var missing = Path.Combine(data.Path, "nowhere", "flotilla.json");

        var code = await FlotillaCli.RunAsync(["serve", "--urls", "http://127.0.0.1:0", "--data-dir", data.Path, "-f", missing], output, error, data.Path);

        Assert.Equal(2, code);
        Assert.Contains(missing, error.ToString(), StringComparison.Ordinal);
        Assert.Contains("no such file or directory", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_with_an_inventory_says_what_it_compares_hosts_with()
    {
        using var data = new TempDirectory();
        var fleet = await FleetRepository.CreateAsync(Path.Combine(data.Path, "fleet"));
        await using var serve = new Serve("--data-dir", Path.Combine(data.Path, "data"), "--state-dir", data.Path, "-f", fleet.Inventory, "--target-refresh", "5");
        await serve.UrlAsync();

        await Eventually.WaitAsync(() => Task.FromResult(serve.Output.Contains("compares hosts with " + fleet.Inventory + " (looked at every 5 s)", StringComparison.Ordinal)), () => serve.Output);
        Assert.Equal(0, await serve.StopAsync());
    }

    [Fact]
    public async Task Serve_without_a_user_starts_says_how_to_make_one_and_nobody_can_log_in()
    {
        using var data = new TempDirectory();
        await using var serve = new Serve("--data-dir", data.Path, "--state-dir", data.Path);
        var url = await serve.UrlAsync();
        Assert.Contains("flotilla passwd --totp", serve.Output, StringComparison.Ordinal);
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() }) { BaseAddress = url };

        var login = await http.GetAsync("/login");
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        Assert.Contains("nobody can log in", await login.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Found, (await http.GetAsync("/")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/api/hosts")).StatusCode);

        using var attempt = await http.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Password"] = "anything",
            ["__csrf"] = await AntiforgeryTokenAsync(http),
        }));
        Assert.NotEqual(HttpStatusCode.Found, attempt.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/api/hosts")).StatusCode);
        Assert.Equal(0, await serve.StopAsync());
    }

    [Fact]
    public async Task Serve_with_a_credentials_file_logs_in_and_the_api_takes_the_session()
    {
        using var data = new TempDirectory();
        const string password = "a long enough demo password";
        var totp = TotpSecret.Generate();
        var credentials = data.Write("creds.env", $"""
            FLOTILLA_PASSWORD_HASH='{PasswordHash.Create(password, PasswordHashAlgorithm.Bcrypt, cost: 4).Value}'
            FLOTILLA_TOTP_SECRET={totp.Base32Text}
            FLOTILLA_SESSION_SECRET={new string('7', 64)}

            """);
        await using var serve = new Serve("--data-dir", Path.Combine(data.Path, "data"), "--state-dir", data.Path, "--credentials-file", credentials);
        var url = await serve.UrlAsync();
        Assert.DoesNotContain("nobody can log in", serve.Output, StringComparison.Ordinal);
        var (http, login) = await LogInAsync(url, password, totp);
        using var client = http;

        Assert.Equal(HttpStatusCode.Found, login);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/api/hosts")).StatusCode);
        Assert.Equal(0, await serve.StopAsync());
    }

    [GeneratedRegex("listening on (http://[^ ]+:\\d+)")]
    private static partial Regex Listening();

    [GeneratedRegex("name=\"__csrf\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex CsrfField();
}
