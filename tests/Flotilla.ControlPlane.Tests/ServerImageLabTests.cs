using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Flotilla.Contracts;
using Flotilla.Security;
using Flotilla.Tests.Support;
using Xunit.Abstractions;

namespace Flotilla.Tests;

/// <summary>
/// The server's container image (deploy/Containerfile, scripts/build-server-image.sh) built and
/// run by the real podman: healthcheck, a real agent enrolled through the published port, a
/// dashboard login with secrets given as files, a stop by SIGTERM, and a new container on the same
/// /data volume that finds it all again.
/// </summary>
public sealed partial class ServerImageLabTests(ITestOutputHelper log)
{
    private const string Password = "correct horse battery staple";
    private const string ContainerUser = "10001";

    [LabFact]
    public async Task The_server_image_runs_healthy_enrols_an_agent_logs_in_and_a_new_container_on_its_volume_finds_it_all_again()
    {
        var podman = FindPodman();
        await using var run = new ImageRun(podman, log);

        var built = await run.Host.RunAsync("bash", [Repository.PathOf("scripts", "build-server-image.sh"), "--tag", run.Image], TimeSpan.FromMinutes(15), cleanEnvironment: true);
        Assert.True(built.Code == 0, "scripts/build-server-image.sh failed:\n" + built.Error + built.Output);

        // The secrets: podman secrets mounted as files in /run/secrets, readable by the server's
        // user only; the server is told their paths, never their values.
        var totp = TotpSecret.Generate();
        var shared = "enrol-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        await run.SecretAsync("password-hash", PasswordHash.Create(Password, PasswordHashAlgorithm.Bcrypt, cost: 4).Value);
        await run.SecretAsync("totp-secret", totp.Base32Text);
        await run.SecretAsync("session-secret", Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)));
        await run.SecretAsync("enrolment-token", shared);
        await run.PodmanAsync("volume", "create", run.Volume);
        var port = FreePort();
        string[] runContainer = [
            "run", "--detach", "--name", run.Container, "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024",
            "--publish", $"127.0.0.1:{port}:8000", "--volume", run.Volume + ":/data",
            .. run.SecretMounts(),
            "--env", "FLOTILLA_PASSWORD_HASH_FILE=/run/secrets/password-hash",
            "--env", "FLOTILLA_TOTP_SECRET_FILE=/run/secrets/totp-secret",
            "--env", "FLOTILLA_SESSION_SECRET_FILE=/run/secrets/session-secret",
            run.Image, "--enrolment-token-file", "/run/secrets/enrolment-token",
        ];
        await run.PodmanAsync(runContainer);
        var baseUrl = new Uri($"http://127.0.0.1:{port}");
        using var handler = new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false, UseCookies = true };
        using var http = new HttpClient(handler) { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(30) };
        await WaitHealthyAsync(run, http);

        var healthcheck = await run.PodmanAsync(["healthcheck", "run", run.Container], check: false);
        if (healthcheck.Code != 0)
        {
            // How it ended (its exit code, killed for memory, by a signal) and what it printed.
            var state = await run.PodmanAsync(["inspect", "--format", "exit {{.State.ExitCode}} oom-killed {{.State.OOMKilled}} error '{{.State.Error}}' finished {{.State.FinishedAt}}", run.Container], check: false);
            Assert.Fail($"the image's HEALTHCHECK failed: {healthcheck.Output}{healthcheck.Error}\ncontainer: {state.Output}{state.Error}\ncontainer log:\n{await run.LogsAsync()}");
        }

        Assert.Equal(ContainerUser, (await run.PodmanAsync("exec", run.Container, "id", "-u")).Output.Trim());
        var created = await run.PodmanAsync("exec", run.Container, "/opt/flotilla/flotilla", "tokens", "create-api", "image-test", "--data-dir", "/data");
        using var api = new HttpClient { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(30) };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", created.Output.Trim().Split('\n')[^1].Trim());

        var hostname = "imagetest-" + run.Id;
        using var agentState = new TempDirectory();
        using var agent = AgentProcess.Start($"ws://127.0.0.1:{port}/ws", agentState.Write("enrolment-token", shared), 0.5,
            extraArguments: ["--hostname", hostname, "--state-dir", Path.Combine(agentState.Path, "state")]);
        await WaitOnlineAsync(api, hostname, () => "agent log:\n" + agent.Log + run.LogsText);
        await Eventually.WaitAsync(() => Task.FromResult(agent.Log.Contains("the server gave the host its own token", StringComparison.Ordinal)), () => "the agent kept no token of its own:\n" + agent.Log);

        var code = Totp.Code(totp, Totp.Step(TimeProvider.System.GetUtcNow(), TotpOptions.Default), TotpOptions.Default);
        using (var login = await http.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__csrf"] = await CsrfTokenAsync(http),
            ["Password"] = Password,
            ["Code"] = code,
        })))
        {
            Assert.True(login.StatusCode == HttpStatusCode.Found, $"login answered {login.StatusCode}: {await login.Content.ReadAsStringAsync()}");
        }

        await AssertHostPageAsync(http, hostname);

        // podman stop sends SIGTERM: tini passes it on and the server stops by itself (exit 0),
        // not by the SIGKILL that follows the grace time (137).
        await run.PodmanAsync("stop", "--time", "60", run.Container);
        var exit = await run.PodmanAsync("inspect", "--format", "{{.State.ExitCode}}", run.Container);
        Assert.True(exit.Output.Trim() == "0", $"serve exited {exit.Output.Trim()} on SIGTERM:\n{await run.LogsAsync()}");
        Assert.Contains("flotilla serve: stopped", await run.LogsAsync(), StringComparison.Ordinal);

        // A new container from the same image and volume (as an upgrade or a compose
        // recreate does): what it finds, it found in /data alone.
        await run.PodmanAsync("rm", run.Container);
        await run.PodmanAsync(runContainer);
        await WaitHealthyAsync(run, http);

        // The host and its own token (which the agent now presents instead of the shared one),
        // the API token and the dashboard's session and keys were all kept in /data.
        await WaitOnlineAsync(api, hostname, () => "agent log:\n" + agent.Log + run.LogsText, seconds: 120);
        await AssertHostPageAsync(http, hostname);
    }

    private static async Task AssertHostPageAsync(HttpClient http, string hostname)
    {
        using var page = await http.GetAsync("/hosts/" + hostname);
        Assert.True(page.StatusCode == HttpStatusCode.OK, $"/hosts/{hostname} answered {page.StatusCode} {page.Headers.Location}");
        Assert.Contains(hostname, await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static async Task WaitHealthyAsync(ImageRun run, HttpClient http) =>
        await Eventually.WaitAsync(
            async () =>
            {
                try
                {
                    using var response = await http.GetAsync("/healthz");
                    return response.StatusCode == HttpStatusCode.OK;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            },
            () => "/healthz did not answer 200 within 90 s; the container's log:\n" + run.LogsText,
            seconds: 90);

    private static async Task WaitOnlineAsync(HttpClient api, string hostname, Func<string> logs, double seconds = 60) =>
        await Eventually.WaitAsync(
            async () =>
            {
                try
                {
                    var hosts = await api.GetFromJsonAsync("/api/hosts", ApiJsonContext.Default.IReadOnlyListHostView);
                    return hosts!.Any(h => h.Name == hostname && h.Status == "online");
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            },
            () => $"{hostname} did not come online:\n{logs()}",
            seconds);

    private static async Task<string> CsrfTokenAsync(HttpClient http)
    {
        var html = await http.GetStringAsync("/login");
        var match = CsrfField().Match(html);
        Assert.True(match.Success, "no antiforgery token on /login:\n" + html);
        return WebUtility.HtmlDecode(match.Groups[1].Value);
    }

    private static string FindPodman()
    {
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, "podman");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        Assert.Fail("podman is not installed: run scripts/setup.sh (it installs podman, runc and mmdebstrap)");
        return "";
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [GeneratedRegex("name=\"__csrf\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex CsrfField();

    /// <summary>
    /// What one run of the test made under podman (an image tag, a container, a volume, secrets),
    /// all with names unique to the run, removed on dispose whatever happened. The base image is
    /// the build's cache and stays.
    /// </summary>
    private sealed class ImageRun(string podman, ITestOutputHelper log) : IAsyncDisposable
    {
        private readonly List<string> _secrets = [];

        public string Id { get; } = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));

        public string Image => $"localhost/flotilla-server-test:{Id}";

        public string Container => "flotilla-image-test-" + Id;

        public string Volume => "flotilla-image-test-" + Id;

        public ProcessRunner Host { get; } = new();

        /// <summary>The container's log as last read (for failure messages, which cannot await).</summary>
        public string LogsText { get; private set; } = "";

        public async Task SecretAsync(string name, string value)
        {
            using var directory = new TempDirectory();
            var file = directory.Write(name, value);
            var secret = $"flotilla-image-test-{Id}-{name}";
            await PodmanAsync("secret", "create", secret, file);
            _secrets.Add(secret);
        }

        /// <summary>Each secret as /run/secrets/NAME, owned by the server's user, mode 0400.</summary>
        public IEnumerable<string> SecretMounts() =>
            _secrets.SelectMany(s => (string[])["--secret", $"{s},type=mount,target={s[($"flotilla-image-test-{Id}-").Length..]},uid={ContainerUser},gid={ContainerUser},mode=0400"]);

        public Task<ProcessResult> PodmanAsync(params string[] arguments) => PodmanAsync(arguments, check: true);

        public async Task<ProcessResult> PodmanAsync(string[] arguments, bool check)
        {
            // runc: crun fails on this kernel's cgroups (see LAB-NOTES).
            var result = await Host.RunAsync(podman, ["--runtime", "/usr/sbin/runc", .. arguments], TimeSpan.FromMinutes(2));
            if (check && result.Code != 0)
            {
                Assert.Fail($"podman {string.Join(' ', arguments)} exited {result.Code}: {result.Error}{result.Output}\ncontainer log:\n{await LogsAsync()}");
            }

            return result;
        }

        public async Task<string> LogsAsync()
        {
            var logs = await Host.RunAsync(podman, ["logs", Container], TimeSpan.FromSeconds(30));
            LogsText = logs.Output + logs.Error;
            return LogsText;
        }

        public async ValueTask DisposeAsync()
        {
            await LogsAsync();
            log.WriteLine("container log:\n" + LogsText);
            await Host.RunAsync(podman, ["rm", "--force", "--time", "0", Container], TimeSpan.FromMinutes(1));
            await Host.RunAsync(podman, ["volume", "rm", "--force", Volume], TimeSpan.FromMinutes(1));
            foreach (var secret in _secrets)
            {
                await Host.RunAsync(podman, ["secret", "rm", secret], TimeSpan.FromMinutes(1));
            }

            await Host.RunAsync(podman, ["rmi", "--force", Image], TimeSpan.FromMinutes(1));
        }
    }

    private sealed record ProcessResult(int Code, string Output, string Error);

    private sealed class ProcessRunner
    {
        /// <summary>Runs a program to its end (killed past the timeout); <paramref name="cleanEnvironment"/> drops the test host's MSBuild variables so a nested dotnet build is not steered by them.</summary>
        public async Task<ProcessResult> RunAsync(string program, IEnumerable<string> arguments, TimeSpan timeout, bool cleanEnvironment = false)
        {
            var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            if (cleanEnvironment)
            {
                foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || k.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)).ToList())
                {
                    start.Environment.Remove(name);
                }
            }

            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            using var deadline = new CancellationTokenSource(timeout);
            try
            {
                await process.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
                return new ProcessResult(-1, await output, $"{program} did not finish within {timeout.TotalSeconds} s (killed)\n{await error}");
            }

            return new ProcessResult(process.ExitCode, await output, await error);
        }
    }
}
