using System.Collections.Immutable;
using Flotilla.Inventory;
using Flotilla.Planning;

namespace Flotilla.Execution.Tests;

public sealed class KeysAndInjectionLabTests
{
    [LabFact]
    public async Task Keys_arrive_with_their_owner_and_mode_and_appear_in_no_process_store_path_or_output()
    {
        await using var lab = await ExecutionLab.StartAsync();
        var textSecret = "text-" + Guid.NewGuid().ToString("N");
        var fileSecret = "file-" + Guid.NewGuid().ToString("N");
        var commandSecret = "command-" + Guid.NewGuid().ToString("N");
        var secretFile = Path.GetTempFileName();
        var commandFile = Path.GetTempFileName();
        await File.WriteAllTextAsync(secretFile, fileSecret);
        await File.WriteAllTextAsync(commandFile, commandSecret);
        try
        {
            lab.UpdateHost("host-1", h => h with
            {
                Keys =
                [
                    new Key { Name = "text.key", Source = KeySourceKind.Text, Value = textSecret, User = "nobody", Group = "nogroup", Permissions = "0640" },
                    new Key { Name = "file.key", Source = KeySourceKind.File, Value = secretFile, DestDir = "/run/keys/app" },
                    new Key { Name = "command.key", Source = KeySourceKind.Command, Value = "", CommandLine = ["cat", commandFile], UploadAt = KeyUploadAt.PostActivation, Permissions = "0400" },
                ],
            });
            await lab.ConfigureAsync("host-1", "6.0");
            var output = new RecordingOutput();
            string[] secrets = [textSecret, fileSecret, commandSecret];
            using var watching = new CancellationTokenSource();
            var watcher = Task.Run(() => WatchProcesses(secrets, watching.Token));

            var results = await lab.RunAsync(new DeployStepExecutor(ExecutionLab.Options()), lab.Plan("host-1"), output);

            await watching.CancelAsync();
            var seen = await watcher;
            Assert.All(results, r => Assert.True(r.Result.State == StepState.Succeeded, $"{r.Step.Id}: {r.Result.Message}\n{output.All}"));
            Assert.Equal($"nobody nogroup 640 {textSecret}", await lab.SshAsync("host-1", "stat -c '%U %G %a' /run/keys/text.key && cat /run/keys/text.key") is var t ? t.Replace('\n', ' ') : null);
            Assert.Equal($"root root 600 {fileSecret}", (await lab.SshAsync("host-1", "stat -c '%U %G %a' /run/keys/app/file.key && cat /run/keys/app/file.key")).Replace('\n', ' '));
            Assert.Equal($"root root 400 {commandSecret}", (await lab.SshAsync("host-1", "stat -c '%U %G %a' /run/keys/command.key && cat /run/keys/command.key")).Replace('\n', ' '));
            Assert.Equal("", await lab.SshAsync("host-1", "ls -A /run/keys | grep flotilla-upload || true"));
            Assert.True(seen.Scans > 10, $"the process watcher scanned only {seen.Scans} times");
            Assert.Empty(seen.Leaks);
            foreach (var secret in secrets)
            {
                Assert.DoesNotContain(secret, output.All, StringComparison.Ordinal);
                Assert.All(results, r => Assert.DoesNotContain(secret, r.Result.Message ?? "", StringComparison.Ordinal));
                Assert.Equal("not in store", await lab.SshAsync("host-1", $"grep -rqF {RemoteShell.Quote(secret)} /nix/store && echo found || echo 'not in store'"));
            }
        }
        finally
        {
            File.Delete(secretFile);
            File.Delete(commandFile);
        }
    }

    [LabFact]
    public async Task Hostile_arguments_reach_a_lab_host_byte_for_byte_and_inject_nothing()
    {
        await using var lab = await ExecutionLab.StartAsync();
        var ssh = new SshTransport();
        var marker = "/tmp/flotilla-pwned-" + Guid.NewGuid().ToString("N");
        string[] hostile =
        [
            .. RemoteShellTests.Hostile,
            $"$(touch {marker})", $"`touch {marker}`", $"; touch {marker}", $"'; touch {marker}; '", $"\ntouch {marker}\n", $"\"$(touch {marker})\"",
        ];

        foreach (var value in hostile)
        {
            var result = await ssh.RunAsync(lab.Host("host-1").Target, ["printf", "%s", value]);
            Assert.True(result.Succeeded, result.Error);
            Assert.Equal(value, result.Output);
        }

        Assert.Equal("absent", await lab.SshAsync("host-1", $"test -e {marker} && echo present || echo absent"));
        Assert.False(File.Exists(marker));
    }

    [LabFact]
    public async Task A_host_key_and_service_with_hostile_names_deploy_without_running_their_names()
    {
        await using var lab = await ExecutionLab.StartAsync();
        var marker = "/tmp/flotilla-pwned-" + Guid.NewGuid().ToString("N");
        var hostileName = $"h$(touch {marker})`touch {marker}`;touch {marker}";
        var hostileKey = "k$(touch pwned-key);'x'`touch pwned-key`";
        var original = lab.Host("host-1");
        var hostile = original with
        {
            Name = hostileName,
            SystemAttribute = original.SystemAttribute ?? "nixosConfigurations.host-1.config.system.build.toplevel",
            Keys = [new Key { Name = hostileKey, Source = KeySourceKind.Text, Value = "s" }],
        };
        var fleet = lab.Fleet with
        {
            Hosts = [hostile],
            Services = [.. lab.Fleet.Services.Where(s => s.Host == "host-1").Select(s => s with { Host = hostileName, Name = $"svc$(touch {marker})" })],
        };
        await lab.ConfigureAsync("host-1", "7.0");
        var executor = new DeployStepExecutor(ExecutionLab.Options());
        var output = new RecordingOutput();
        var plan = Planning.Planner.Build(fleet, Planning.Operation.Deploy, Planning.Selection.Everything).Plan!;
        await executor.PrebuildAsync(fleet, plan);

        foreach (var step in plan.Steps)
        {
            var result = await executor.ExecuteAsync(step, new StepContext(fleet, hostile, output));
            Assert.True(result.State == StepState.Succeeded, $"{step.Id}: {result.Message}\n{output.All}");
        }

        Assert.Equal("system-2-link", await lab.GenerationAsync("host-1"));
        Assert.Equal("s", await lab.SshAsync("host-1", $"cat /run/keys/{RemoteShell.Quote(hostileKey)}"));
        Assert.Equal("absent", await lab.SshAsync("host-1", $"test -e {marker} || test -e ~/pwned-key || test -e /run/keys/pwned-key && echo present || echo absent"));
        Assert.False(File.Exists(marker));
    }

    [LabFact]
    public async Task A_key_that_cannot_be_read_after_activation_rolls_the_host_back_at_once()
    {
        await using var lab = await ExecutionLab.StartAsync();
        var previous = await lab.CurrentSystemAsync("host-1");
        lab.UpdateHost("host-1", h => h with
        {
            Keys = [new Key { Name = "missing.key", Source = KeySourceKind.File, Value = "/nonexistent/flotilla.key", UploadAt = KeyUploadAt.PostActivation }],
        });
        await lab.ConfigureAsync("host-1", "13.0");
        var output = new RecordingOutput();

        var results = await lab.RunAsync(new DeployStepExecutor(ExecutionLab.Options(TimeSpan.FromSeconds(120))), lab.Plan("host-1"), output);

        var last = results[^1];
        Assert.True(last.Step.Kind == StepKind.KeysPost && last.Result.State == StepState.RolledBack, $"{last.Step.Id}: {last.Result.State} {last.Result.Message}\n{output.All}");
        Assert.Equal(previous, await lab.CurrentSystemAsync("host-1"));
        Assert.Equal("system-1-link", await lab.GenerationAsync("host-1"));
    }

    /// <summary>Reads every process's command line and environment (the lab's hosts share this pid namespace) until cancelled.</summary>
    private static (int Scans, ImmutableArray<string> Leaks) WatchProcesses(IReadOnlyList<string> secrets, CancellationToken cancellationToken)
    {
        var leaks = ImmutableArray.CreateBuilder<string>();
        var scans = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            foreach (var process in Directory.EnumerateDirectories("/proc").Where(d => char.IsAsciiDigit(Path.GetFileName(d)[0])))
            {
                foreach (var file in new[] { "cmdline", "environ" })
                {
                    string text;
                    try
                    {
                        text = File.ReadAllText(Path.Combine(process, file));
                    }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                    {
                        continue;
                    }

                    foreach (var secret in secrets.Where(s => text.Contains(s, StringComparison.Ordinal)))
                    {
                        leaks.Add($"{process}/{file}: {secret}");
                    }
                }
            }

            scans++;
        }

        return (scans, leaks.ToImmutable());
    }
}
