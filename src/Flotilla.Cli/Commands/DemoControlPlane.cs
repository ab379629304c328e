using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Flotilla.ControlPlane;
using Flotilla.ControlPlane.Auth;
using Flotilla.ControlPlane.Store;
using Flotilla.Processes;
using Flotilla.Security;

namespace Flotilla.Cli.Commands;

/// <summary>
/// The demo's control plane: <c>flotilla serve</c> in the background (data in LAB/server, on
/// 127.0.0.1 and the lab bridge's address), a <c>flotilla agent</c> inside every lab host's network
/// namespace with its own token, and a login made for this run (a generated password and TOTP secret in a
/// mode 0600 file). <see cref="StopAsync"/> ends them (<c>demo --down</c>).
/// </summary>
internal static class DemoControlPlane
{
    public const string DirectoryName = "server";
    public const string LoginFileName = "login.txt";
    public const string ApiTokenFileName = "api-token";
    private const string ServerPidFile = "serve.pid";
    private const string AgentPidSuffix = ".agent.pid";

    /// <summary>Runs a program with its output appended to a log file, detached from the caller's terminal and stdin (the script is constant; values are its arguments).</summary>

    public sealed record Started(string Url, string LoginFile, string ApiTokenFile, string Directory);

    public static async Task<Started> StartAsync(Lab.Lab lab, TextWriter output, CancellationToken cancellationToken)
    {
        var directory = Path.Combine(lab.Directory, DirectoryName);
        await StopAsync(lab.Directory, cancellationToken).ConfigureAwait(false);
        Directory.CreateDirectory(directory);
        var data = Path.Combine(directory, "data");
        var port = FreePort(lab.Gateway);
        var url = $"http://127.0.0.1:{port}";

        // Who may log in: a generated password and TOTP secret, for this demo only.
        var password = Convert.ToBase64String(RandomNumberGenerator.GetBytes(15)).Replace('+', 'x').Replace('/', 'y');
        var enrollment = new TotpEnrollment(TotpSecret.Generate(), "Flotilla demo", CredentialLoader.DefaultUser);
        var credentials = Path.Combine(directory, "credentials.env");
        await WritePrivateAsync(credentials, $"""
            FLOTILLA_PASSWORD_HASH='{PasswordHash.Create(password, PasswordHashAlgorithm.Bcrypt, cost: 10).Value}'
            FLOTILLA_TOTP_SECRET={enrollment.Secret.Base32Text}
            FLOTILLA_SESSION_SECRET={Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32))}

            """, cancellationToken).ConfigureAwait(false);
        var loginFile = Path.Combine(directory, LoginFileName);
        await WritePrivateAsync(loginFile, $"""
            dashboard:   {url}/
            user:        {CredentialLoader.DefaultUser}
            password:    {password}
            totp secret: {enrollment.Secret.Base32Text}
            otpauth:     {enrollment.Uri}
            a code:      oathtool --totp -b {enrollment.Secret.Base32Text}   (or scan the otpauth URI with an authenticator app)

            """, cancellationToken).ConfigureAwait(false);

        // Tokens straight into the store (only hashes are kept): one per lab host, one for the API.
        var apiToken = Tokens.NewApiToken();
        var hostTokens = new Dictionary<string, string>(StringComparer.Ordinal);
        var store = await ControlPlaneStores.OpenAsync(data, null, cancellationToken).ConfigureAwait(false);
        await using (store.ConfigureAwait(false))
        {
            var now = TimeProvider.System.GetUtcNow();
            foreach (var host in lab.Hosts)
            {
                var token = Tokens.NewHostToken();
                await store.SetHostTokenAsync(host.Name, Tokens.Hash(token), now, replace: true, cancellationToken).ConfigureAwait(false);
                hostTokens[host.Name] = token;
            }

            // The demo's server allows commands, and its printed example runs one (remote run -- uptime).
            await store.AddApiTokenAsync("demo-" + now.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture), Tokens.Hash(apiToken), now, ApiTokenScope.Exec, cancellationToken).ConfigureAwait(false);
        }

        var apiTokenFile = Path.Combine(directory, ApiTokenFileName);
        await WritePrivateAsync(apiTokenFile, apiToken + "\n", cancellationToken).ConfigureAwait(false);

        var flotilla = FlotillaCommand();
        var serve = DetachedProcess.Start(
            [.. flotilla, "serve", "--urls", $"{url};http://{lab.Gateway}:{port}", "--data-dir", data, "--state-dir", lab.Directory, "--credentials-file", credentials, "--allow-commands",
             "--file", lab.InventoryDirectory, "--target-refresh", "5"],
            Path.Combine(directory, "serve.log"));
        await File.WriteAllTextAsync(Path.Combine(directory, ServerPidFile), serve.ToString(CultureInfo.InvariantCulture), cancellationToken).ConfigureAwait(false);
        using var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(5) };
        await WaitAsync(
            async () => (await http.GetAsync(new Uri("/login", UriKind.Relative), cancellationToken).ConfigureAwait(false)).StatusCode == HttpStatusCode.OK,
            TimeSpan.FromSeconds(60),
            $"the server did not answer {url}/login; see {Path.Combine(directory, "serve.log")}",
            cancellationToken).ConfigureAwait(false);
        await output.WriteLineAsync($"    server      {url} (and http://{lab.Gateway}:{port} for the lab hosts), data in {data}").ConfigureAwait(false);

        // The agents run inside the lab hosts (their network, mount and UTS namespaces: each reports
        // its host's own system, generation and hostname) but on this machine's other files: the ops
        // that would act on the machine itself (reboot, switch, rollback) meet refusing stand-ins first on PATH.
        var shims = await WriteShimsAsync(directory, cancellationToken).ConfigureAwait(false);
        var path = shims + ":" + (Environment.GetEnvironmentVariable("PATH") ?? "/usr/sbin:/usr/bin:/sbin:/bin");
        foreach (var host in lab.Hosts)
        {
            var tokenFile = Path.Combine(directory, host.Name + ".token");
            await WritePrivateAsync(tokenFile, hostTokens[host.Name] + "\n", cancellationToken).ConfigureAwait(false);
            var agent = DetachedProcess.Start(
                [.. lab.EnterCommand(host.Name), "env", "PATH=" + path, .. flotilla, "agent", "--url", $"ws://{lab.Gateway}:{port}/ws", "--token-file", tokenFile, "--interval", "5",
                 // A home-manager host's current system is its user's home-manager generation.
                 .. host.Platform == "home-manager" ? ["--system-profile", Path.Combine(host.Directory, "users", host.User, ".local", "state", "nix", "profiles", "home-manager")] : Array.Empty<string>()],
                Path.Combine(directory, host.Name + ".agent.log"));
            await File.WriteAllTextAsync(Path.Combine(directory, host.Name + AgentPidSuffix), agent.ToString(CultureInfo.InvariantCulture), cancellationToken).ConfigureAwait(false);
        }

        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiToken);
        var expected = lab.Hosts.Count;
        await WaitAsync(
            async () =>
            {
                using var hosts = JsonDocument.Parse(await http.GetStringAsync(new Uri("/api/hosts", UriKind.Relative), cancellationToken).ConfigureAwait(false));
                return hosts.RootElement.EnumerateArray().Count(h => h.GetProperty("status").GetString() == "online") == expected;
            },
            TimeSpan.FromSeconds(90),
            $"not every lab host's agent came online; see the agents' logs in {directory}",
            cancellationToken).ConfigureAwait(false);
        await output.WriteLineAsync($"    agents      one in each lab host's network namespace; all {expected} online").ConfigureAwait(false);
        return new Started(url, loginFile, apiTokenFile, directory);
    }

    /// <summary>Stops the demo's server and agents (by their pid files, each checked to still be a flotilla process); nothing when none runs.</summary>
    public static async Task StopAsync(string labDirectory, CancellationToken cancellationToken)
    {
        var directory = Path.Combine(labDirectory, DirectoryName);
        if (!Directory.Exists(directory))
        {
            return;
        }

        var pidFiles = Directory.GetFiles(directory, "*.pid");
        var pids = new List<int>();
        foreach (var file in pidFiles)
        {
            if (int.TryParse(await File.ReadAllTextAsync(file, cancellationToken).ConfigureAwait(false), NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid) && IsFlotilla(pid))
            {
                pids.Add(pid);
                // Its own session and process group (setsid): the group takes the commands it runs with it.
                ProcessGroups.Signal(pid, ProcessSignal.Terminate);
            }

            File.Delete(file);
        }

        for (var attempt = 0; attempt < 100 && pids.Any(ProcessGroups.IsAlive); attempt++)
        {
            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }

        foreach (var pid in pids.Where(ProcessGroups.IsAlive))
        {
            ProcessGroups.Signal(pid, ProcessSignal.Kill);
        }
    }



    private static bool IsFlotilla(int pid)
    {
        try
        {
            var cmdline = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/cmdline");
            return cmdline.Contains("flotilla", StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    }


    /// <summary>How to run this same flotilla: the published executable, or <c>dotnet flotilla.dll</c>.</summary>
    private static string[] FlotillaCommand()
    {
        var process = Environment.ProcessPath ?? "dotnet";
        if (Path.GetFileNameWithoutExtension(process) == "flotilla")
        {
            return [process];
        }

        var dotnet = Path.GetFileNameWithoutExtension(process) == "dotnet"
            ? process
            : (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, "dotnet")).FirstOrDefault(File.Exists) ?? "dotnet";
        return [dotnet, typeof(DemoControlPlane).Assembly.Location];
    }

    private const string Refuse = """
        #!/bin/sh
        echo "flotilla demo: '$(basename "$0") $*' does not run here: the demo's agents share this machine's file system, so they do not reboot or switch it; deploy to the lab with ./flotilla deploy, and see ./flotilla lab --help for a lab host's faults (reboot)" >&2
        exit 1

        """;

    private static async Task<string> WriteShimsAsync(string directory, CancellationToken cancellationToken)
    {
        var bin = Path.Combine(directory, "bin");
        Directory.CreateDirectory(bin);
        foreach (var name in (string[])["systemctl", "shutdown", "reboot", "nixos-rebuild", "darwin-rebuild"])
        {
            var path = Path.Combine(bin, name);
            await File.WriteAllTextAsync(path, Refuse, cancellationToken).ConfigureAwait(false);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        return bin;
    }

    /// <summary>A port free on loopback and on the lab's bridge address.</summary>
    private static int FreePort(string gateway)
    {
        for (var attempt = 0; attempt < 20; attempt++)
        {
            using var loopback = new TcpListener(IPAddress.Loopback, 0);
            loopback.Start();
            var port = ((IPEndPoint)loopback.LocalEndpoint).Port;
            try
            {
                using var bridge = new TcpListener(IPAddress.Parse(gateway), port);
                bridge.Start();
                return port;
            }
            catch (SocketException)
            {
            }
        }

        throw new InvalidOperationException("no free port for the demo's server");
    }

    private static async Task WritePrivateAsync(string path, string content, CancellationToken cancellationToken)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("the demo runs on Linux");
        }

        if (File.Exists(path))
        {
            File.Delete(path);
        }

        await using var stream = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        });
        await stream.WriteAsync(Encoding.UTF8.GetBytes(content), cancellationToken).ConfigureAwait(false);
    }

    private static async Task WaitAsync(Func<Task<bool>> condition, TimeSpan limit, string failure, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < limit)
        {
            try
            {
                if (await condition().ConfigureAwait(false))
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }

            await Task.Delay(250, cancellationToken).ConfigureAwait(false);
        }

        throw new InvalidOperationException(failure);
    }
}
