using Flotilla.Inventory;
using Flotilla.Planning;

namespace Flotilla.Execution.Tests;

/// <summary>
/// OpenTofu and Terraform cannot be installed here (see DESIGN.md): these tests run the driver
/// against a stand-in program that records every invocation and the variables it was given.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class TerraformDriverTests : IDisposable
{
    private readonly TempDirectory directory = new();

    public void Dispose() => directory.Dispose();

    [Fact]
    public async Task NixMox_phases_init_and_apply_each_services_modules_with_its_variables_and_targets_in_plan_order()
    {
        var (fleet, terraform, log) = await FleetAsync();
        var executor = new DeployStepExecutor(new DeployOptions { Terraform = terraform });
        var output = new RecordingOutput();
        var plan = Planner.Build(fleet, Operation.Deploy, Selection.Everything).Plan!;

        foreach (var step in plan.Steps.Where(s => s.Kind == StepKind.Terraform))
        {
            var result = await executor.ExecuteAsync(step, new StepContext(fleet, null, output));
            Assert.True(result.State == StepState.Succeeded, $"{step.Id}: {result.Message}");
        }

        var root = directory.Path;
        Assert.Equal(
            [
                $"-chdir={root}/terraform/infra init -input=false -no-color",
                $"-chdir={root}/terraform/infra apply -input=false -auto-approve -no-color -var-file=VARS vars={{}}",
                $"-chdir={root}/terraform/authentik init -input=false -no-color",
                $"-chdir={root}/terraform/authentik apply -input=false -auto-approve -no-color -var-file=VARS vars={{\"domain\":\"auth.lan\"}}",
                $"-chdir={root}/terraform/vaultwarden init -input=false -no-color",
                $"-chdir={root}/terraform/vaultwarden validate -no-color",
                $"-chdir={root}/terraform/vaultwarden init -input=false -no-color",
                $"-chdir={root}/terraform/vaultwarden apply -input=false -auto-approve -no-color -var-file=VARS -target=authentik_app -target=authentik_provider vars={{\"domain\":\"vault.lan\",\"scopes\":[\"openid\",\"email\"]}}",
            ],
            (await File.ReadAllLinesAsync(log)).Select(MaskVarFile));
        Assert.Contains(output.Lines, l => l.StartsWith("tf:infra: terraform stand-in ran", StringComparison.Ordinal));
        var varFiles = (await File.ReadAllLinesAsync(log)).Select(VarFile).OfType<string>().ToList();
        Assert.Equal(3, varFiles.Count);
        Assert.All(varFiles, f => Assert.False(File.Exists(f), $"{f} was left behind"));
    }

    [Fact]
    public async Task A_failing_apply_fails_its_step_with_the_programs_last_lines()
    {
        var (fleet, terraform, _) = await FleetAsync(failIn: "authentik");
        var executor = new DeployStepExecutor(new DeployOptions { Terraform = terraform });
        var step = Planner.Build(fleet, Operation.Deploy, Selection.Everything).Plan!.Steps.Single(s => s.Id == "tf:auth-core");

        var result = await executor.ExecuteAsync(step, new StepContext(fleet, null, new RecordingOutput()));

        Assert.Equal(StepState.Failed, result.State);
        Assert.Contains($"apply in {directory.Path}/terraform/authentik failed (exit 1)", result.Message, StringComparison.Ordinal);
        Assert.Contains("Error: authentik API unreachable", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_module_directory_is_named_with_the_inventory()
    {
        var (fleet, terraform, _) = await FleetAsync();
        Directory.Delete(Path.Combine(directory.Path, "terraform", "vaultwarden"));
        var executor = new DeployStepExecutor(new DeployOptions { Terraform = terraform });
        var step = Planner.Build(fleet, Operation.Deploy, Selection.Everything).Plan!.Steps.Single(s => s.Id == "tf:service-infra:vaultwarden");

        var result = await executor.ExecuteAsync(step, new StepContext(fleet, null, new RecordingOutput()));

        Assert.Equal(StepState.Failed, result.State);
        Assert.Contains($"terraform module {directory.Path}/terraform/vaultwarden does not exist", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_order_applies_those_targets_one_at_a_time_first_then_the_rest()
    {
        var (fleet, terraform, log) = await FleetAsync(applyOrder: """ "apply_order": ["authentik_provider", "authentik_app"], """);
        var executor = new DeployStepExecutor(new DeployOptions { Terraform = terraform });
        var step = Planner.Build(fleet, Operation.Deploy, Selection.Everything).Plan!.Steps.Single(s => s.Id == "tf:service-config:vaultwarden");

        var result = await executor.ExecuteAsync(step, new StepContext(fleet, null, new RecordingOutput()));

        Assert.True(result.State == StepState.Succeeded, result.Message);
        var applies = (await File.ReadAllLinesAsync(log)).Where(l => l.Contains(" apply ", StringComparison.Ordinal)).Select(MaskVarFile).ToList();
        var root = directory.Path;
        Assert.Equal(
            [
                $"-chdir={root}/terraform/vaultwarden apply -input=false -auto-approve -no-color -var-file=VARS -target=authentik_provider vars={{\"domain\":\"vault.lan\",\"scopes\":[\"openid\",\"email\"]}}",
                $"-chdir={root}/terraform/vaultwarden apply -input=false -auto-approve -no-color -var-file=VARS -target=authentik_app vars={{\"domain\":\"vault.lan\",\"scopes\":[\"openid\",\"email\"]}}",
                $"-chdir={root}/terraform/vaultwarden apply -input=false -auto-approve -no-color -var-file=VARS -target=authentik_outpost vars={{\"domain\":\"vault.lan\",\"scopes\":[\"openid\",\"email\"]}}",
            ],
            applies);
    }

    private static string? VarFile(string line)
    {
        var start = line.IndexOf("-var-file=", StringComparison.Ordinal);
        return start < 0 ? null : line[(start + "-var-file=".Length)..line.IndexOf(' ', start)];
    }

    private static string MaskVarFile(string line)
    {
        var start = line.IndexOf("-var-file=", StringComparison.Ordinal);
        if (start < 0)
        {
            return line;
        }

        var end = line.IndexOf(' ', start);
        return line[..start] + "-var-file=VARS" + line[end..];
    }

    private async Task<(Fleet Fleet, string Terraform, string Log)> FleetAsync(string? failIn = null, string? applyOrder = null)
    {
        var log = Path.Combine(directory.Path, "terraform.log");
        var terraform = directory.Write("bin/terraform", $$"""
            #!/bin/sh
            printf '%s' "$*" >> '{{log}}'
            for a in "$@"; do
              case "$a" in -var-file=*) printf ' vars=%s' "$(cat "${a#-var-file=}")" >> '{{log}}' ;; esac
            done
            printf '\n' >> '{{log}}'
            echo "terraform stand-in ran $1 $2"
            case "$1 $2" in *{{failIn ?? "never"}}*apply) echo "Error: authentik API unreachable" >&2; exit 1 ;; esac
            exit 0
            """);
        File.SetUnixFileMode(terraform, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        foreach (var module in new[] { "infra", "authentik", "vaultwarden" })
        {
            Directory.CreateDirectory(Path.Combine(directory.Path, "terraform", module));
        }

        var file = directory.Write("flotilla.json", $$"""
            {
              "hosts": { "auth": { "target": "10.0.0.2" }, "vault": { "target": "10.0.0.3" } },
              "services": {
                "authentik": { "host": "auth", "tier": "core",
                               "terraform": { "modules": ["./terraform/authentik"], "variables": { "domain": "auth.lan" } } },
                "vaultwarden": { "host": "vault", "dependsOn": ["authentik"],
                                 "terraform": { "modules": ["./terraform/vaultwarden"], "targets": ["authentik_app", "authentik_provider"{{(applyOrder is null ? "" : ", \"authentik_outpost\"")}}], {{applyOrder}}
                                                "variables": { "domain": "vault.lan", "scopes": ["openid", "email"] } } }
              }
            }
            """);
        var fleet = await InventoryLoader.LoadAsync(file);
        Assert.Empty(fleet.Diagnostics);
        return (fleet, terraform, log);
    }
}
