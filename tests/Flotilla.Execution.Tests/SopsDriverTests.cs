using Flotilla.Inventory;
using Flotilla.Planning;
using Flotilla.Processes;

namespace Flotilla.Execution.Tests;

/// <summary>
/// SOPS cannot be installed here (see DESIGN.md): container secrets in SOPS files are decrypted
/// by a stand-in <c>sops</c> that records every invocation (its arguments and the environment
/// SOPS reads) and answers as sops 3.x does: the value of <c>--extract</c>'s path, without a
/// newline, when the age identity file it is given holds a key; otherwise sops's error for a
/// data key it cannot get, exit 128. The encrypted file is in SOPS's own shape (Fixtures/sops).
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SopsDriverTests : IDisposable
{
    private const string Password = "nixarr-sonarr-db-p4ss";
    private readonly TempDirectory directory = new();

    public void Dispose() => directory.Dispose();

    [LabFact]
    public async Task A_secret_in_a_sops_file_is_extracted_with_the_age_identity_and_written_read_only_for_the_container()
    {
        var (sops, log, identity) = StandIn();
        var fleet = await LoadAsync();
        await using var lab = await ExecutionLab.StartAsync(fleet);
        await lab.ConfigureAsync("media", "2.0");
        // A container alone on its host is checked the moment it runs: on a loaded machine its
        // server needs more than the lab's 3 quick attempts to listen (CI saw it refused once).
        lab.UpdateFleet(f => f with { Services = [.. f.Services.Select(s => s with { HealthChecks = [.. s.HealthChecks.Select(c => c with { Retries = 15 })] })] });
        var output = new RecordingOutput();

        var results = await lab.RunAsync(new DeployStepExecutor(ExecutionLab.Options(TimeSpan.FromSeconds(60)) with { Sops = sops, AgeIdentity = identity }), lab.Plan("media"), output);

        Assert.All(results, r => Assert.True(r.Result.State == StepState.Succeeded, $"{r.Step.Id}: {r.Result.Message}\n{output.All}"));
        Assert.Equal(
            [$"--decrypt --extract [\"nixarr\"][\"sonarr\"][\"db-password\"] {Path.Combine(directory.Path, "secrets", "nixarr.yaml")} SOPS_AGE_KEY_FILE={identity}"],
            await File.ReadAllLinesAsync(log));
        Assert.Equal(Password, await lab.SshAsync("media", "podman exec sonarr cat /run/secrets/db-password"));
        Assert.Equal("400 568:568", await lab.SshAsync("media", "stat -c '%a %u:%g' /run/flotilla-secrets/sonarr/db-password"));
        Assert.DoesNotContain(Password, await lab.SshAsync("media", "podman inspect sonarr"), StringComparison.Ordinal);
        Assert.DoesNotContain(Password, output.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sops_that_cannot_get_the_data_key_fails_the_keys_step_without_quoting_it()
    {
        var (sops, _, _) = StandIn();
        var fleet = await LoadAsync();
        // An identity file with no key in it (the wrong file named): sops gets no data key.
        var result = await RunKeysStepAsync(fleet, sops, directory.Write("empty-identity.txt", "# created: 2026-12-04\n"));

        Assert.Equal(StepState.Failed, result.State);
        Assert.Contains("key db-password of media: keyCommand", result.Message, StringComparison.Ordinal);
        Assert.Contains("exited with 128", result.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Failed to get the data key", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_sops_the_keys_step_says_to_install_it_or_name_it()
    {
        var fleet = await LoadAsync();
        var missing = Path.Combine(directory.Path, "bin", "no-sops-here");

        var result = await RunKeysStepAsync(fleet, missing, "/keys/age.txt");

        Assert.Equal(StepState.Failed, result.State);
        Assert.Contains($"cannot run {missing}: it is not installed here (install sops, or set {ContainerSecrets.SopsVariable} to its path)", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_sops_program_comes_from_the_deploy_options_and_gets_the_age_identity_as_sops_reads_it()
    {
        var fleet = await LoadAsync();

        var key = Assert.Single(ContainerSecrets.KeysOf(fleet, fleet.Hosts[0], "/keys/age.txt", "/opt/sops/bin/sops"));

        Assert.Equal(["/opt/sops/bin/sops", "--decrypt", "--extract", "[\"nixarr\"][\"sonarr\"][\"db-password\"]"], key.CommandLine.Take(4));
        Assert.Equal("/keys/age.txt", key.CommandEnvironment["SOPS_AGE_KEY_FILE"]);
    }

    /// <summary>The keys step of the host (it reads every secret before it connects: the target is never reached).</summary>
    private static async Task<StepResult> RunKeysStepAsync(Fleet fleet, string sops, string identity)
    {
        var executor = new DeployStepExecutor(new DeployOptions { Sops = sops, AgeIdentity = identity });
        var step = Planner.Build(fleet, Operation.Deploy, Selection.Everything).Plan!.Steps.First(s => s.Kind == StepKind.Keys);
        return await executor.ExecuteAsync(step, new StepContext(fleet, null, new RecordingOutput()));
    }

    private async Task<Fleet> LoadAsync()
    {
        var secrets = Directory.CreateDirectory(Path.Combine(directory.Path, "secrets")).FullName;
        File.Copy(Path.Combine(AppContext.BaseDirectory, "Fixtures", "sops", "nixarr.yaml"), Path.Combine(secrets, "nixarr.yaml"));
        // An absolute path: the lab deploys from an inventory of its own, elsewhere.
        var file = directory.Write("flotilla.json", Inventory(Path.Combine(secrets, "nixarr.yaml")));
        var fleet = await InventoryLoader.LoadAsync(file);
        Assert.Empty(fleet.Diagnostics);
        return fleet;
    }

    private static string Inventory(string secrets) => $$"""
        {
          "version": 1,
          "hosts": { "media": { "target": "root@192.0.2.20" } },
          "services": {
            "sonarr": { "host": "media", "healthChecks": [ { "type": "http", "url": "http://localhost:8989/ping" } ],
                        "container": { "image": "lscr.io/linuxserver/sonarr:latest", "ports": [ "8989:8989" ], "user": "568:568",
                                       "secrets": { "db-password": { "file": "{{secrets}}", "sopsKey": "nixarr/sonarr/db-password", "mode": "0400" } } } }
          }
        }
        """;

    /// <summary>The stand-in sops, its invocation log, and an age identity file (real age-keygen) for it to be given.</summary>
    private (string Sops, string Log, string Identity) StandIn()
    {
        var log = Path.Combine(directory.Path, "sops.log");
        var identity = Path.Combine(directory.Path, "age-identity.txt");
        var keygen = ProcessRunner.RunAsync("age-keygen", ["-o", identity]).GetAwaiter().GetResult();
        Assert.True(keygen.ExitCode == 0, keygen.StandardError);
        var sops = directory.Write("bin/sops", $$"""
            #!/bin/sh
            # Records: the arguments, then the environment SOPS reads its age identity from.
            printf '%s ' "$@" >> '{{log}}'
            printf 'SOPS_AGE_KEY_FILE=%s\n' "${SOPS_AGE_KEY_FILE:-}" >> '{{log}}'
            if [ -z "${SOPS_AGE_KEY_FILE:-}" ] || ! grep -q '^AGE-SECRET-KEY-' "$SOPS_AGE_KEY_FILE" 2>/dev/null; then
              cat >&2 <<'EOF'
            Failed to get the data key required to decrypt the SOPS file.

            Group 0: FAILED
              age1qzk6rfrf0jvyxk5g7z0l2dn6ve0vt4ygm8mqnrl3pkkcx3p2fqls8a6h8d: FAILED
                - | failed to load age identities: failed to open file: open
                  | /root/.config/sops/age/keys.txt: no such file or directory

            Recovery failed because no master key was able to decrypt the file. In
            order for SOPS to recover the file, at least one key has to be successful,
            but none were.
            EOF
              exit 128
            fi
            # Recorded answers, by the --extract path, for the fixture's file.
            case "$1 $2 $3" in
              '--decrypt --extract ["nixarr"]["sonarr"]["db-password"]') printf '%s' '{{Password}}' ;;
              *) echo "Error: unexpected invocation: $*" >&2; exit 1 ;;
            esac
            """);
        File.SetUnixFileMode(sops, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return (sops, log, identity);
    }
}
