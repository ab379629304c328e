using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Flotilla.ControlPlane;
using Flotilla.Lab;
using LabFleet = Flotilla.Lab.Lab;
using Flotilla.Processes;
using Flotilla.Tests.Support;

namespace Flotilla.Tests;

/// <summary>
/// One <c>flotilla deploy --server</c> over a lab fleet where two hosts are reachable only
/// through their agents (their sshd stopped) and two over SSH: the same plan, order, health
/// gates and watchdog for both kinds. The agent-reached hosts fetch their closures from a
/// signed file cache they trust, as a host behind NAT fetches from a binary cache.
/// </summary>
public sealed class AgentTransportLabTests
{
    // gateway (ssh) <- db (agent) <- app (agent) <- web (ssh)
    private static string Inventory(string cache, string appTokenFile) => $$"""
        {
          "hosts": {
            "gateway": { "target": "10.1.0.1", "transport": "ssh", "healthChecks": [ { "type": "http", "url": "http://localhost:8080/health" } ] },
            "db":      { "target": "10.1.0.2", "transport": "agent", "cache": "{{cache}}", "dependsOn": ["gateway"], "healthChecks": [ { "type": "http", "url": "http://localhost:8080/health", "interval": 1, "retries": 2 } ] },
            "app":     { "target": "10.1.0.3", "cache": "{{cache}}", "dependsOn": ["db"], "healthChecks": [ { "type": "http", "url": "http://localhost:8080/health", "interval": 1, "retries": 2 } ],
                         "keys": { "app-token": { "keyFile": "{{appTokenFile}}", "destDir": "/run/keys", "permissions": "0400", "uploadAt": "pre-activation" } } },
            "web":     { "target": "10.1.0.4", "dependsOn": ["app"], "healthChecks": [ { "type": "http", "url": "http://localhost:8080/health" } ] }
          }
        }
        """;

    private static readonly string[] AgentHosts = ["db", "app"];

    /// <summary>A key of app's, uploaded through its agent: it must reach the host and nothing the server keeps.</summary>
    private const string AppToken = "flotilla-lab-app-token-7f3c";

    [LabFact]
    public async Task Agent_reached_and_ssh_hosts_deploy_in_one_run_in_order_and_agent_reached_hosts_roll_back_by_themselves()
    {
        using var dir = new TempDirectory();
        var cacheDirectory = Path.Combine(dir.Path, "cache");
        await using var lab = await CliLab.UpAsync(dir.Path, "at", dir.Write("flotilla.json", Inventory("file://" + cacheDirectory, dir.Write("app-token", AppToken))));
        var machines = await LabFleet.OpenAsync(lab.Name, CliLab.StateRoot);
        var (secretKey, publicKey) = await CacheKeyAsync(dir);
        var data = Path.Combine(dir.Path, "server");
        var apiToken = dir.Write("api-token", (await CliAsync(dir.Path, "tokens", "create-api", "deployer", "--scope", "exec", "--data-dir", data)).Output.Trim().Split('\n')[^1]);
        var opsToken = dir.Write("ops-token", (await CliAsync(dir.Path, "tokens", "create-api", "operator", "--scope", "ops", "--data-dir", data)).Output.Trim().Split('\n')[^1]);
        var port = FreePort(machines.Gateway);
        await using var server = await ControlPlaneServer.StartAsync(new ControlPlaneOptions
        {
            Urls = $"http://{machines.Gateway}:{port}",
            DataDirectory = data,
            StateDirectory = Path.Combine(dir.Path, "server-runs"),
            AllowArbitraryCommands = true,
            MinimumLogLevel = Microsoft.Extensions.Logging.LogLevel.Warning,
            Inventory = lab.Inventory,
            Runs = new HostedRunSettings { Substituters = "", CacheKeyFile = secretKey, ConfirmTimeout = TimeSpan.FromSeconds(30) },
        });
        var url = $"http://{machines.Gateway}:{port}";
        var agents = new List<Process>();
        var logs = new StringBuilder();
        try
        {
            foreach (var host in AgentHosts)
            {
                var token = dir.Write("tokens/" + host, (await CliAsync(dir.Path, "hosts", "add", host, "--data-dir", data)).Output.Trim().Split('\n')[^1] + "\n");
                agents.Add(StartAgent(machines, host, url, token, Path.Combine(dir.Path, "agent-" + host), publicKey, logs));
            }

            await WaitOnlineAsync(url, File.ReadAllText(apiToken).Trim(), AgentHosts, logs);
            foreach (var host in AgentHosts)
            {
                await machines.FaultAsync(host, LabFault.SshdStop);
            }

            var addresses = await lab.AddressesAsync();
            var state = Path.Combine(dir.Path, "state");
            string[] Deploy(params string[] more) =>
                ["deploy", "-f", lab.Inventory, "--json", "--substituters", "", "--state-dir", state, "--server", url, "--token-file", apiToken, "--cache-key-file", secretKey, .. more];

            // Every host gets a new system: all four deploy in one run, in dependency order.
            CliLab.ConfigureAll(lab.Inventory, version: "2");
            var first = await lab.RunAsync(Deploy("--confirm-timeout", "30s"));
            Assert.True(first.ExitCode == 0, first.Output + first.Error + logs);
            var events = Events(first.Output);
            foreach (var (before, after) in new[] { ("gateway", "db"), ("db", "app"), ("app", "web") })
            {
                var verified = events.FindIndex(e => e.Step == $"verify:{before}" && e.State == "succeeded");
                var activating = events.FindIndex(e => e.Step == $"activate:{after}" && e.State == "started");
                Assert.True(verified >= 0 && activating > verified, $"activate:{after} started before verify:{before} succeeded\n{first.Output}");
            }

            Assert.All(AgentHosts, h => Assert.Contains(events, e => e.Step == $"copy:{h}" && e.State == "succeeded" && e.Message!.Contains("through its agent", StringComparison.Ordinal)));

            // app's key went up through its agent, as it would over ssh, and the server kept none of it.
            Assert.Equal(AppToken, await ReadAsync(machines, "app", "cat", "/run/keys/app-token"));
            Assert.Equal("400", await ReadAsync(machines, "app", "stat", "-c", "%a", "/run/keys/app-token"));
            foreach (var file in Directory.EnumerateFiles(data, "*", SearchOption.AllDirectories))
            {
                Assert.DoesNotContain(AppToken, Encoding.UTF8.GetString(await File.ReadAllBytesAsync(file)), StringComparison.Ordinal);
            }
            foreach (var host in addresses.Keys)
            {
                Assert.Equal("system-2-link", await ReadAsync(machines, host, "readlink", "/nix/var/nix/profiles/system"));
                Assert.Equal("2", await ReadAsync(machines, host, "cat", "/run/current-system/version"));
            }

            // app's new system answers 500: app goes back by itself, web waits, db stays on 3.
            CliLab.ConfigureAll(lab.Inventory, version: "3", unhealthy: "app");
            var second = await lab.RunAsync(Deploy("--confirm-timeout", "30s"));
            Assert.True(second.ExitCode == 1, second.Output + second.Error);
            events = Events(second.Output);
            var rolledBack = Assert.Single(events, e => e.Step == "verify:app" && e.State == "rolled-back");
            Assert.Contains("500", rolledBack.Message, StringComparison.Ordinal);
            Assert.Single(events, e => e.Step == "activate:web" && e.State == "skipped");
            Assert.Equal("system-3-link", await ReadAsync(machines, "db", "readlink", "/nix/var/nix/profiles/system"));
            Assert.Equal("system-2-link", await ReadAsync(machines, "app", "readlink", "/nix/var/nix/profiles/system"));
            Assert.Equal("2", await ReadAsync(machines, "app", "cat", "/run/current-system/version"));
            Assert.Equal("system-2-link", await ReadAsync(machines, "web", "readlink", "/nix/var/nix/profiles/system"));

            // db's network is cut once it has activated: nothing can confirm it, and its watchdog
            // (not the server, which cannot reach it either) puts it back within the confirm timeout.
            CliLab.ConfigureAll(lab.Inventory, version: "4");
            var deploy = lab.RunAsync(Deploy("--confirm-timeout", "10s", "--on", "db"));
            await CutWhenActivatedAsync(machines, "db", "system-4-link", deploy);
            var third = await deploy;
            Assert.True(third.ExitCode != 0, third.Output + third.Error);
            await machines.HealAsync("db");
            Assert.Equal("3", await EventuallyAsync(() => ReadAsync(machines, "db", "cat", "/run/current-system/version"), "3"));
            Assert.DoesNotContain(Events(third.Output), e => e.Step == "verify:db" && e.State == "succeeded");

            // flotilla rollback goes through the agent the same way: app back to its first generation, health-gated.
            var rollback = await lab.RunAsync("rollback", "-f", lab.Inventory, "--json", "--state-dir", state, "--on", "app", "--server", url, "--token-file", apiToken, "--confirm-timeout", "30s");
            Assert.True(rollback.ExitCode == 0, rollback.Output + rollback.Error);
            Assert.Equal("1", await ReadAsync(machines, "app", "cat", "/run/current-system/version"));

            // Each run pushed its journal: the server lists them (and its dashboard shows them).
            var listed = await lab.RunAsync("runs", "--server", url, "--token-file", apiToken);
            Assert.True(listed.ExitCode == 0, listed.Error);
            Assert.Contains(listed.Output.Split('\n'), l => l.Contains("rollback", StringComparison.Ordinal) && l.Contains("succeeded", StringComparison.Ordinal));
            Assert.Equal(3, listed.Output.Split('\n').Count(l => l.Contains(" deploy ", StringComparison.Ordinal)));
            Assert.Contains(listed.Output.Split('\n'), l => l.Contains(" deploy ", StringComparison.Ordinal) && l.Contains("succeeded", StringComparison.Ordinal));

            // The server hosts a run itself (as the dashboard's Start does): its steps reach the
            // agent-only hosts through its own command service, each a stored command.
            CliLab.ConfigureAll(lab.Inventory, version: "5");
            using var client = new Flotilla.Execution.ControlPlaneClient(new Uri(url + "/"), File.ReadAllText(opsToken).Trim());
            var hosted = await client.StartRunAsync(new Flotilla.Contracts.RunStartRequest("deploy", ["db", "app"]));
            var result = Path.Combine(dir.Path, "server-runs", "runs", hosted, "result.json");
            for (var waited = 0; !File.Exists(result) && waited < 360; waited++)
            {
                await Task.Delay(500);
            }

            Assert.True(File.Exists(result), "the hosted run did not end in 3 minutes\n" + logs);
            Assert.Contains("\"exitCode\":0", File.ReadAllText(result), StringComparison.Ordinal);
            foreach (var host in AgentHosts)
            {
                Assert.Equal("5", await ReadAsync(machines, host, "cat", "/run/current-system/version"));
            }

            var steps = await client.RunsAsync();
            Assert.Contains(steps, r => r.Id == hosted && r.Status == "succeeded");

            // flotilla exec picks its transports as a run does: db through its agent, gateway over SSH.
            var exec = await lab.RunAsync("exec", "-f", lab.Inventory, "--on", "db,gateway", "--server", url, "--token-file", apiToken, "--", "cat", "/run/current-system/version");
            Assert.True(exec.ExitCode == 0, exec.Output + exec.Error);
            Assert.Contains(exec.Output.Split('\n'), l => l.StartsWith("db", StringComparison.Ordinal) && l.EndsWith("| 5", StringComparison.Ordinal));
            Assert.Contains(exec.Output.Split('\n'), l => l.StartsWith("gateway", StringComparison.Ordinal) && l.EndsWith("| 3", StringComparison.Ordinal));

            // A reboot through the agent: db (sshd stopped, transport agent) is rebooted by its
            // agent, which its boot starts again (as systemd would), and read back through it.
            var unitLog = await machines.InstallBootUnitAsync("db", "flotilla-agent", AgentUnit(url, Path.Combine(dir.Path, "tokens", "db"), Path.Combine(dir.Path, "agent-db"), publicKey));
            var bootBefore = await ReadAsync(machines, "db", "cat", "/proc/sys/kernel/random/boot_id");
            var reboot = await lab.RunAsync(["reboot", "-f", lab.Inventory, "--json", "--state-dir", state, "--on", "db", "--server", url, "--token-file", apiToken, .. RebootLab.QuickWith("120s")]);
            Assert.True(reboot.ExitCode == 0, reboot.Output + reboot.Error + logs + (File.Exists(unitLog) ? File.ReadAllText(unitLog) : ""));
            Assert.Contains(Events(reboot.Output), e => e.Step == "reboot:db" && e.State == "succeeded");
            Assert.NotEqual(bootBefore, await ReadAsync(machines, "db", "cat", "/proc/sys/kernel/random/boot_id"));

            // Pull mode: app builds its own system from the fleet's flake, fetched at the run's
            // revision (here a git checkout on the machine's disk), through its agent; nothing is copied.
            var machinesFile = Path.Combine(lab.Inventory, "machines.json");
            var metadata = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(machinesFile))!;
            metadata["app"]!["pullFrom"] = "git+file://" + lab.Inventory;
            File.WriteAllText(machinesFile, metadata.ToJsonString());
            CliLab.ConfigureAll(lab.Inventory, version: "6");
            var dirty = await lab.RunAsync(Deploy("--on", "app"));
            Assert.True(dirty.ExitCode != 0, dirty.Output);
            Assert.Contains(Events(dirty.Output), e => e.Step == "build:app" && e.State == "failed" && e.Message!.Contains("not a git checkout", StringComparison.Ordinal));
            foreach (var git in new[] { new[] { "init", "-q" }, ["add", "-A"], ["-c", "user.name=lab", "-c", "user.email=lab@flotilla.invalid", "commit", "-q", "-m", "fleet"] })
            {
                var done = await ProcessRunner.RunAsync("git", ["-C", lab.Inventory, .. git]);
                Assert.True(done.ExitCode == 0, done.StandardError);
            }

            var pulled = await lab.RunAsync(Deploy("--on", "app"));
            Assert.True(pulled.ExitCode == 0, pulled.Output + pulled.Error + logs);
            events = Events(pulled.Output);
            Assert.Contains(events, e => e.Step == "build:app" && e.State == "succeeded" && e.Message!.Contains("from git+file://", StringComparison.Ordinal));
            Assert.Contains(events, e => e.Step == "copy:app" && e.State == "succeeded" && e.Message!.Contains("nothing to copy", StringComparison.Ordinal));
            Assert.Equal("6", await ReadAsync(machines, "app", "cat", "/run/current-system/version"));
        }
        finally
        {
            foreach (var agent in agents)
            {
                if (!agent.HasExited)
                {
                    agent.Kill(entireProcessTree: true);
                    await agent.WaitForExitAsync();
                }

                agent.Dispose();
            }
        }
    }

    /// <summary>The agent as a boot unit of a lab host: the same command the test starts it with.</summary>
    private static string AgentUnit(string url, string tokenFile, string stateDirectory, string publicKey)
    {
        static string Quote(string word) => "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
        return $"""
            #!/bin/sh
            export PATH=/run/current-system/sw/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
            export NIX_CONFIG={Quote("trusted-public-keys = " + publicKey)}
            exec dotnet {Quote(Path.Combine(AppContext.BaseDirectory, "flotilla.dll"))} agent --url {Quote(url)} --token-file {Quote(tokenFile)} --hostname db --state-dir {Quote(stateDirectory)} --interval 1

            """;
    }

    private static async Task<CliRunner.Run> CliAsync(string directory, params string[] args)
    {
        var result = await CliRunner.RunAsync(directory, args);
        Assert.True(result.ExitCode == 0, $"flotilla {string.Join(' ', args)}: {result.Error}");
        return result;
    }

    private static async Task<(string Secret, string Public)> CacheKeyAsync(TempDirectory dir)
    {
        var secret = await ProcessRunner.RunAsync("nix", ["--extra-experimental-features", "nix-command", "key", "generate-secret", "--key-name", "flotilla-lab-test-1"]);
        Assert.True(secret.ExitCode == 0, secret.StandardError);
        var file = dir.Write("cache.sec", secret.StandardOutput);
        var converted = await ProcessRunner.RunAsync("nix", ["--extra-experimental-features", "nix-command", "key", "convert-secret-to-public"], null, secret.StandardOutput, null);
        Assert.True(converted.ExitCode == 0, converted.StandardError);
        return (file, converted.StandardOutput.Trim());
    }

    private static int FreePort(string address)
    {
        using var listener = new TcpListener(IPAddress.Parse(address), 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>A real agent inside the lab host's namespaces, with the host's PATH and a nix that trusts the cache's key.</summary>
    private static Process StartAgent(LabFleet machines, string host, string url, string tokenFile, string stateDirectory, string publicKey, StringBuilder logs)
    {
        var start = new ProcessStartInfo(machines.EnterCommand(host)[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var word in (string[])[.. machines.EnterCommand(host).Skip(1), "dotnet", Path.Combine(AppContext.BaseDirectory, "flotilla.dll"), "agent",
            "--url", url, "--token-file", tokenFile, "--hostname", host, "--state-dir", stateDirectory, "--interval", "1"])
        {
            start.ArgumentList.Add(word);
        }

        start.Environment["PATH"] = "/run/current-system/sw/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        start.Environment["NIX_CONFIG"] = "trusted-public-keys = " + publicKey;
        var process = Process.Start(start)!;
        void Log(string? line)
        {
            if (line is not null)
            {
                lock (logs)
                {
                    logs.Append(host).Append(": ").AppendLine(line);
                }
            }
        }

        process.OutputDataReceived += (_, e) => Log(e.Data);
        process.ErrorDataReceived += (_, e) => Log(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task WaitOnlineAsync(string url, string token, string[] hosts, StringBuilder logs)
    {
        using var client = new Flotilla.Execution.ControlPlaneClient(new Uri(url + "/"), token);
        for (var attempt = 0; attempt < 120; attempt++)
        {
            var online = (await client.HostsAsync()).Where(h => h.Status == "online").Select(h => h.Name).ToHashSet();
            if (hosts.All(online.Contains))
            {
                return;
            }

            await Task.Delay(500);
        }

        Assert.Fail("the agents did not come online within 60 s:\n" + logs);
    }

    private static async Task<string> ReadAsync(LabFleet machines, string host, params string[] command)
    {
        var enter = machines.EnterCommand(host);
        var result = await ProcessRunner.RunAsync(enter[0], [.. enter.Skip(1), .. command]);
        Assert.True(result.ExitCode == 0, $"{host}: {string.Join(' ', command)}: {result.StandardError}");
        return result.StandardOutput.Trim();
    }

    /// <summary>Waits (bounded) until the host's profile is <paramref name="link"/>, then cuts its network for 60 s.</summary>
    private static async Task CutWhenActivatedAsync(LabFleet machines, string host, string link, Task deploy)
    {
        for (var attempt = 0; attempt < 600 && !deploy.IsCompleted; attempt++)
        {
            if (await ReadAsync(machines, host, "readlink", "/nix/var/nix/profiles/system") == link)
            {
                await machines.FaultAsync(host, LabFault.Unreachable, TimeSpan.FromSeconds(60));
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail($"{host} never activated {link} (the deploy ended first or it took over 60 s)");
    }

    private static async Task<string> EventuallyAsync(Func<Task<string>> read, string expected)
    {
        var value = "";
        for (var attempt = 0; attempt < 60; attempt++)
        {
            value = await read();
            if (value == expected)
            {
                break;
            }

            await Task.Delay(500);
        }

        return value;
    }

    private sealed record Event(string Step, string State, string? Message);

    private static List<Event> Events(string output) =>
        [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith('{')).Select(line =>
        {
            using var json = JsonDocument.Parse(line);
            var root = json.RootElement;
            return new Event(root.GetProperty("step").GetString()!, root.GetProperty("state").GetString()!, root.TryGetProperty("message", out var m) ? m.GetString() : null);
        })];

}
