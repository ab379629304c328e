using Flotilla.Inventory;
using Flotilla.Planning;
using Flotilla.Processes;

namespace Flotilla.Execution.Tests;

/// <summary>Deploys of hosts whose container services run with real podman, pulling from the lab's registry, with age-encrypted secrets.</summary>
public sealed class ContainerDeployLabTests
{
    private const string Secret = "s3cret-api-key-for-sonarr";

    [LabFact]
    public async Task A_deploy_writes_the_age_secrets_read_only_for_the_container_s_user_and_health_gates_the_containers()
    {
        using var directory = new TempDirectory();
        var (identity, encrypted) = await EncryptAsync(directory, Secret);
        var source = await LoadAsync(directory, encrypted);
        await using var lab = await ExecutionLab.StartAsync(source);
        Environment.SetEnvironmentVariable(ContainerSecrets.IdentityVariable, identity);
        await lab.ConfigureAsync("media", "2.0");
        var output = new RecordingOutput();

        var results = await lab.RunAsync(new DeployStepExecutor(ExecutionLab.Options(TimeSpan.FromSeconds(60))), lab.Plan("media"), output);

        Assert.All(results, r => Assert.True(r.Result.State == StepState.Succeeded, $"{r.Step.Id}: {r.Result.Message}\n{output.All}"));
        Assert.Contains(results, r => r.Step.Kind == StepKind.Keys && r.Result.Message!.Contains("1 key(s)", StringComparison.Ordinal));
        Assert.Contains(results, r => r.Step.Id == "pull:media" && r.Result.Message == "2 image(s) present on media");
        // Each container gated after activation, in its dependency order, before the host's verify.
        var order = results.Select(r => r.Step.Id).ToList();
        Assert.True(order.IndexOf("activate:media") < order.IndexOf("container:media/prowlarr")
            && order.IndexOf("container:media/prowlarr") < order.IndexOf("container:media/sonarr")
            && order.IndexOf("container:media/sonarr") < order.IndexOf("verify:media"), string.Join(", ", order));
        Assert.Equal(Secret, await lab.SshAsync("media", "podman exec sonarr cat /run/secrets/api-key"));
        Assert.Equal("440 568:568", await lab.SshAsync("media", "stat -c '%a %u:%g' /run/flotilla-secrets/sonarr/api-key"));
        Assert.Equal("false", await lab.SshAsync("media", "podman inspect sonarr --format '{{range .Mounts}}{{if eq .Destination \"/run/secrets/api-key\"}}{{.RW}}{{end}}{{end}}'"));
        Assert.DoesNotContain(Secret, await lab.SshAsync("media", "podman inspect sonarr"), StringComparison.Ordinal);
        Assert.Equal("568:568 running", await lab.SshAsync("media", "podman inspect sonarr --format '{{.Config.User}} {{.State.Status}}'"));
        Assert.Equal("running", await lab.SshAsync("media", "podman inspect prowlarr --format '{{.State.Status}}'"));
        Assert.DoesNotContain(Secret, output.All, StringComparison.Ordinal);
    }

    [LabFact]
    public async Task A_container_that_fails_its_health_check_after_a_deploy_is_back_on_its_previous_container()
    {
        using var directory = new TempDirectory();
        var (identity, encrypted) = await EncryptAsync(directory, Secret);
        await using var lab = await ExecutionLab.StartAsync(await LoadAsync(directory, encrypted));
        Environment.SetEnvironmentVariable(ContainerSecrets.IdentityVariable, identity);
        await lab.ConfigureAsync("media", "2.0");
        var executor = new DeployStepExecutor(ExecutionLab.Options(TimeSpan.FromSeconds(60)));
        var first = await lab.RunAsync(executor, lab.Plan("media"), new RecordingOutput());
        Assert.All(first, r => Assert.True(r.Result.State == StepState.Succeeded, $"{r.Step.Id}: {r.Result.State} {r.Result.Message}"));
        var healthy = await lab.SshAsync("media", "podman inspect sonarr --format '{{.Id}}'");

        await lab.ConfigureAsync("media", "3.0", health: "unhealthy");
        var output = new RecordingOutput();
        var results = await lab.RunAsync(new DeployStepExecutor(ExecutionLab.Options(TimeSpan.FromSeconds(60))), lab.Plan("media"), output);

        // prowlarr's gate comes first (sonarr depends on it): it fails, the host rolls back, sonarr's gate never runs.
        var last = results[^1];
        Assert.True(last.Step.Id == "container:media/prowlarr" && last.Result.State == StepState.RolledBack, $"{last.Step.Id}: {last.Result.State} {last.Result.Message}\n{output.All}");
        Assert.Contains("answered 500", last.Result.Message, StringComparison.Ordinal);
        Assert.Contains("with its previous containers", last.Result.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(results, r => r.Step.Id == "container:media/sonarr");
        // The previous generation's container is back, healthy, with its secret.
        // The container is replaced while the previous generation activates: ask until it answers.
        async Task<string?> TryAsync(string command) => await new SshTransport().RunCommandAsync(lab.Host("media").Target, command) is { Succeeded: true } r ? r.Output.Trim() : null;
        await EventuallyAsync(async () => await TryAsync("podman exec sonarr cat /run/secrets/api-key") == Secret
            && (await TryAsync("podman inspect sonarr --format '{{.Config.Env}}'"))?.Contains("LAB_HEALTH=healthy", StringComparison.Ordinal) == true, "the healthy container back, with its secret");
        Assert.NotEqual(healthy, await lab.SshAsync("media", "podman inspect sonarr --format '{{.Id}}'"));
    }

    [LabFact]
    public async Task A_changed_secret_restarts_exactly_the_container_that_uses_it()
    {
        using var directory = new TempDirectory();
        var (identity, encrypted) = await EncryptAsync(directory, Secret);
        await using var lab = await ExecutionLab.StartAsync(await LoadAsync(directory, encrypted));
        Environment.SetEnvironmentVariable(ContainerSecrets.IdentityVariable, identity);
        await lab.ConfigureAsync("media", "2.0");
        var first = await lab.RunAsync(new DeployStepExecutor(ExecutionLab.Options(TimeSpan.FromSeconds(60))), lab.Plan("media"), new RecordingOutput());
        Assert.All(first, r => Assert.True(r.Result.State == StepState.Succeeded, $"{r.Step.Id}: {r.Result.State} {r.Result.Message}"));
        var sonarr = await lab.SshAsync("media", "podman inspect sonarr --format '{{.Id}}'");
        var prowlarr = await lab.SshAsync("media", "podman inspect prowlarr --format '{{.Id}}'");

        // The same deploy again, nothing changed: nothing restarts.
        var same = new RecordingOutput();
        var again = await lab.RunAsync(new DeployStepExecutor(ExecutionLab.Options(TimeSpan.FromSeconds(60))), lab.Plan("media"), same);
        Assert.All(again, r => Assert.True(r.Result.State == StepState.Succeeded, $"{r.Step.Id}: {r.Result.State} {r.Result.Message}"));
        Assert.Equal(sonarr, await lab.SshAsync("media", "podman inspect sonarr --format '{{.Id}}'"));
        Assert.DoesNotContain("changed", same.All, StringComparison.Ordinal);

        // A rotated secret, the system unchanged: sonarr restarts onto it, prowlarr is left alone.
        var rotated = await ReencryptAsync(directory, identity, encrypted, "rotated-" + Secret);
        var output = new RecordingOutput();
        var results = await lab.RunAsync(new DeployStepExecutor(ExecutionLab.Options(TimeSpan.FromSeconds(60))), lab.Plan("media"), output);

        Assert.All(results, r => Assert.True(r.Result.State == StepState.Succeeded, $"{r.Step.Id}: {r.Result.Message}\n{output.All}"));
        Assert.Contains("secret api-key of container sonarr changed: restarted sonarr", output.All, StringComparison.Ordinal);
        Assert.Equal(rotated, await lab.SshAsync("media", "podman exec sonarr cat /run/secrets/api-key"));
        Assert.NotEqual(sonarr, await lab.SshAsync("media", "podman inspect sonarr --format '{{.Id}}'"));
        Assert.Equal(prowlarr, await lab.SshAsync("media", "podman inspect prowlarr --format '{{.Id}}'"));
        Assert.DoesNotContain(rotated, output.All, StringComparison.Ordinal);
    }

    private static async Task<string> ReencryptAsync(TempDirectory directory, string identity, string encrypted, string secret)
    {
        var recipient = (await ProcessRunner.RunAsync("age-keygen", ["-y", identity])).StandardOutput.Trim();
        var plain = directory.Write("rotated.txt", secret);
        File.Delete(encrypted);
        var age = await ProcessRunner.RunAsync("age", ["-r", recipient, "-o", encrypted, plain]);
        Assert.True(age.ExitCode == 0, age.StandardError);
        File.Delete(plain);
        return secret;
    }

    private static async Task<Fleet> LoadAsync(TempDirectory directory, string encrypted)
    {
        var file = directory.Write("flotilla.json", $$"""
            {
              "version": 1,
              "hosts": { "media": { "target": "root@192.168.50.20" } },
              "services": {
                "prowlarr": { "host": "media", "healthChecks": [ { "type": "http", "url": "http://localhost:9696/ping" } ],
                              "container": { "image": "lscr.io/linuxserver/prowlarr:latest", "ports": [ "9696:9696" ], "user": "568:568" } },
                "sonarr": { "host": "media", "dependsOn": [ "prowlarr" ], "healthChecks": [ { "type": "http", "url": "http://localhost:8989/ping" } ],
                            "container": { "image": "lscr.io/linuxserver/sonarr:latest", "ports": [ "8989:8989" ], "user": "568:568",
                                           "secrets": { "api-key": { "file": "{{encrypted}}" } } } }
              }
            }
            """);
        var fleet = await InventoryLoader.LoadAsync(file);
        Assert.Empty(fleet.Diagnostics);
        return fleet;
    }

    /// <summary>A real age identity and a file encrypted to it.</summary>
    private static async Task<(string Identity, string Encrypted)> EncryptAsync(TempDirectory directory, string secret)
    {
        var identity = Path.Combine(directory.Path, "identity.txt");
        var keygen = await ProcessRunner.RunAsync("age-keygen", ["-o", identity]);
        Assert.True(keygen.ExitCode == 0, keygen.StandardError);
        var recipient = (await ProcessRunner.RunAsync("age-keygen", ["-y", identity])).StandardOutput.Trim();
        var plain = directory.Write("secret.txt", secret);
        var encrypted = Path.Combine(directory.Path, "sonarr-api-key.age");
        var age = await ProcessRunner.RunAsync("age", ["-r", recipient, "-o", encrypted, plain]);
        Assert.True(age.ExitCode == 0, age.StandardError);
        File.Delete(plain);
        return (identity, encrypted);
    }

    private static async Task EventuallyAsync(Func<Task<bool>> condition, string what)
    {
        for (var i = 0; i < 100; i++)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(200);
        }

        Assert.Fail($"{what} did not happen within 20 s");
    }
}
