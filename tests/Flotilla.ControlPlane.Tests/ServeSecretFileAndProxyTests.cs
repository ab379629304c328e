using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Flotilla.Cli;
using Flotilla.Security;
using Flotilla.Tests.Support;

namespace Flotilla.Tests;

/// <summary>
/// <c>flotilla serve</c>'s one-file-per-secret options (as agenix, sops-nix and systemd's
/// LoadCredential give secrets, and as the NixOS module passes them) and <c>--trusted-proxy</c>.
/// </summary>
public sealed partial class ServeDashboardCliTests
{
    [Fact]
    public async Task Serve_with_one_file_per_secret_logs_in_and_the_api_takes_the_session()
    {
        using var data = new TempDirectory();
        const string password = "a long enough demo password";
        var totp = TotpSecret.Generate();
        // As a secrets manager writes them: one value a file, a newline at the end.
        var hash = data.Write("password-hash", PasswordHash.Create(password, PasswordHashAlgorithm.Bcrypt, cost: 4).Value + "\n");
        var totpFile = data.Write("totp-secret", totp.Base32Text + "\n");
        var session = data.Write("session-secret", new string('5', 64) + "\n");
        await using var serve = new Serve(
            "--data-dir", Path.Combine(data.Path, "data"), "--state-dir", data.Path,
            "--password-hash-file", hash, "--totp-secret-file", totpFile, "--session-secret-file", session);
        var url = await serve.UrlAsync();
        Assert.DoesNotContain("nobody can log in", serve.Output, StringComparison.Ordinal);
        var (http, login) = await LogInAsync(url, password, totp);
        using var client = http;

        Assert.Equal(HttpStatusCode.Found, login);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/api/hosts")).StatusCode);
        Assert.Equal(0, await serve.StopAsync());
    }

    [Fact]
    public async Task Serve_with_a_secret_file_it_cannot_read_stops_naming_the_option_and_the_file()
    {
        using var data = new TempDirectory();
        using var output = new StringWriter();
        using var error = new StringWriter();
        var missing = Path.Combine(data.Path, "credentials", "totp-secret");

        var code = await FlotillaCli.RunAsync(["serve", "--urls", "http://127.0.0.1:0", "--data-dir", data.Path, "--totp-secret-file", missing], output, error, data.Path);

        Assert.Equal(2, code);
        Assert.StartsWith($"flotilla serve: --totp-secret-file: cannot read {missing}: ", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("check the path and its permissions", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_with_a_secret_both_in_the_environment_and_a_file_option_names_the_option()
    {
        // Out of process: the environment is the process's own.
        using var data = new TempDirectory();
        var session = data.Write("session-secret", new string('5', 64));
        var cli = typeof(FlotillaCli).Assembly.Location;

        var result = await Flotilla.Processes.ProcessRunner.RunAsync("dotnet", [cli, "serve", "--urls", "http://127.0.0.1:0", "--data-dir", data.Path, "--session-secret-file", session],
            new Dictionary<string, string> { ["FLOTILLA_SESSION_SECRET"] = new string('6', 64) });

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("FLOTILLA_SESSION_SECRET and --session-secret-file are both set", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain(new string('5', 64), result.StandardError + result.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain(new string('6', 64), result.StandardError + result.StandardOutput, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("traefik")]
    [InlineData("10.0.0.300")]
    [InlineData("172.16.0.0/33")]
    [InlineData("10.0.0.5/")]
    public async Task Serve_refuses_a_trusted_proxy_that_is_neither_an_address_nor_a_network(string proxy)
    {
        using var data = new TempDirectory();
        using var output = new StringWriter();
        using var error = new StringWriter();

        var code = await FlotillaCli.RunAsync(["serve", "--urls", "http://127.0.0.1:0", "--data-dir", data.Path, "--trusted-proxy", "10.0.0.5", "--trusted-proxy", proxy], output, error, data.Path);

        Assert.Equal(2, code);
        Assert.Equal($"flotilla serve: --trusted-proxy {proxy}: not an address or a network; give one such as 10.0.0.5, fd00::5 or 172.16.0.0/12", error.ToString().Trim());
        Assert.False(File.Exists(Path.Combine(data.Path, "flotilla.db")), "nothing was opened");
    }

    [Fact]
    public async Task Forwarded_https_is_believed_from_a_trusted_proxy_by_address_or_network_and_from_no_other()
    {
        // Loopback is always trusted, so the proxy here is this machine at a non-loopback address.
        var (address, prefix) = NonLoopbackAddress();
        using var data = new TempDirectory();
        string[] settings = ["--urls", $"http://{address}:0", "--state-dir", data.Path];

        var byAddress = await ForwardedHttpsAsync([.. settings, "--data-dir", Path.Combine(data.Path, "a"), "--trusted-proxy", "10.9.9.9", "--trusted-proxy", address.ToString()]);
        var byNetwork = await ForwardedHttpsAsync([.. settings, "--data-dir", Path.Combine(data.Path, "n"), "--trusted-proxy", $"{new IPNetwork(address, prefix).BaseAddress}/{prefix}"]);
        var untrusted = await ForwardedHttpsAsync([.. settings, "--data-dir", Path.Combine(data.Path, "u"), "--trusted-proxy", "10.9.9.9"]);

        Assert.True(byAddress.Hsts, byAddress.Output);
        Assert.Contains($"X-Forwarded-For and X-Forwarded-Proto are believed from loopback and 10.9.9.9, {address}", byAddress.Output, StringComparison.Ordinal);
        Assert.True(byNetwork.Hsts, byNetwork.Output);
        Assert.False(untrusted.Hsts, untrusted.Output);
    }

    private static async Task<(bool Hsts, string Output)> ForwardedHttpsAsync(string[] args)
    {
        await using var serve = new Serve(args);
        var url = await serve.UrlAsync();
        using var http = new HttpClient { BaseAddress = url };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/login");
        request.Headers.Add("X-Forwarded-Proto", "https");
        request.Headers.Add("X-Forwarded-For", "203.0.113.7");

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var hsts = response.Headers.Contains("Strict-Transport-Security");
        Assert.Equal(0, await serve.StopAsync());
        return (hsts, serve.Output);
    }

    private static (IPAddress Address, int Prefix) NonLoopbackAddress()
    {
        var found = NetworkInterface.GetAllNetworkInterfaces()
            .Where(i => i.OperationalStatus == OperationalStatus.Up && i.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(i => i.GetIPProperties().UnicastAddresses)
            .FirstOrDefault(a => a.Address.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a.Address));
        Assert.True(found is not null, "this machine has no IPv4 address but loopback's; the test needs one to stand for a proxy that is not loopback");
        return (found.Address, found.PrefixLength);
    }
}
