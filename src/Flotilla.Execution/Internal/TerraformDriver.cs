using System.Text.Json;
using Flotilla.Inventory;
using Flotilla.Planning;
using Flotilla.Processes;

namespace Flotilla.Execution.Internal;

/// <summary>
/// Runs NixMox's Terraform phases with OpenTofu or Terraform (seed 003), each module as
/// <c>BINARY -chdir=MODULE init -input=false</c>, then <c>apply -input=false -auto-approve
/// -var-file=VARS [-target=T...]</c>, module paths relative to the inventory file:
/// <list type="bullet">
/// <item><c>tf:infra</c>: <c>terraform/infra</c> beside the inventory, when it exists.</item>
/// <item><c>tf:auth-core</c>: the modules of the services <c>deployment_phases.tf_auth_core</c>
/// lists, else of every core service (the database, the auth provider).</item>
/// <item><c>tf:service-infra:S</c>: S's modules; with <c>targets</c>, only init and validate, the
/// targets being S's configuration, which needs S running.</item>
/// <item><c>tf:service-config:S</c>: S's <c>targets</c>, once S is activated (its
/// <c>apply_order</c> targets first, one apply each, in that order).</item>
/// </list>
/// Variables go through a JSON var file (in a private directory, deleted afterwards), never the command line.
/// Thread safe.
/// </summary>
internal sealed class TerraformDriver(string? binary)
{
    private sealed record Work(string Module, TerraformSpec Spec, bool Apply, bool Targeted);

    public async Task<StepResult> RunAsync(PlanStep step, Fleet fleet, Action<string> output, CancellationToken cancellationToken)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(fleet.SourcePath))!;
        var service = step.Service is { } name ? fleet.Services.FirstOrDefault(s => s.Name == name) : null;
        IReadOnlyList<Work> work;
        switch (step.Phase)
        {
            case PlanPhases.TerraformInfra:
                var infra = Path.Combine(directory, "terraform", "infra");
                if (!Directory.Exists(infra))
                {
                    return StepResult.Succeeded($"nothing to provision: no {infra}");
                }

                work = [new Work(infra, new TerraformSpec(), Apply: true, Targeted: false)];
                break;
            case PlanPhases.TerraformAuthCore:
                // NixMox names the services whose Terraform runs here (deployment_phases.tf_auth_core);
                // without that list, every core service's.
                var authCore = fleet.Deployment.AuthCorePhase;
                work = [.. fleet.Services.Where(s => (authCore.IsEmpty ? s.Tier == ServiceTier.Core : authCore.Contains(s.Name)) && s.Terraform is not null)
                    .SelectMany(s => s.Terraform!.Modules.Select(m => new Work(Path.GetFullPath(Path.Combine(directory, m)), s.Terraform, Apply: true, Targeted: true)))];
                break;
            case PlanPhases.TerraformServiceInfra when service?.Terraform is { } spec:
                work = [.. spec.Modules.Select(m => new Work(Path.GetFullPath(Path.Combine(directory, m)), spec, Apply: spec.Targets.IsEmpty, Targeted: false))];
                break;
            case PlanPhases.TerraformServiceConfig when service?.Terraform is { } spec:
                if (spec.Targets.IsEmpty)
                {
                    return StepResult.Succeeded($"{service.Name} names no targets: its modules were applied in tf:service-infra");
                }

                work = [.. spec.Modules.Select(m => new Work(Path.GetFullPath(Path.Combine(directory, m)), spec, Apply: true, Targeted: true))];
                break;
            default:
                return StepResult.Failed($"{step.Id}: no terraform work is known for phase {step.Phase}{(step.Service is null ? "" : $" of service {step.Service}")}");
        }

        if (work.Count == 0)
        {
            return StepResult.Succeeded("no terraform modules");
        }

        var program = binary ?? ProcessRunner.Find("tofu") ?? ProcessRunner.Find("terraform");
        if (program is null)
        {
            return StepResult.Failed($"{step.Id}: neither OpenTofu (tofu) nor Terraform (terraform) is on PATH; install one, or name it with --terraform PATH");
        }

        foreach (var item in work)
        {
            if (!Directory.Exists(item.Module))
            {
                return StepResult.Failed($"{step.Id}: terraform module {item.Module} does not exist; check the modules of {step.Service ?? "the core services"} in {fleet.SourcePath}");
            }

            var failure = await RunModuleAsync(step, program, item, output, cancellationToken).ConfigureAwait(false);
            if (failure is not null)
            {
                return failure;
            }
        }

        return StepResult.Succeeded($"{(work.Any(w => w.Apply) ? "applied" : "initialised")} {string.Join(", ", work.Select(w => Path.GetRelativePath(directory, w.Module)))}");
    }

    private static async Task<StepResult?> RunModuleAsync(PlanStep step, string program, Work work, Action<string> output, CancellationToken cancellationToken)
    {
        var chdir = "-chdir=" + work.Module;
        var init = await ProcessRunner.RunAsync(program, [chdir, "init", "-input=false", "-no-color"], null, null, output, cancellationToken).ConfigureAwait(false);
        if (init.ExitCode != 0)
        {
            return Failure(step, program, "init", work.Module, init);
        }

        if (!work.Apply)
        {
            var validate = await ProcessRunner.RunAsync(program, [chdir, "validate", "-no-color"], null, null, output, cancellationToken).ConfigureAwait(false);
            return validate.ExitCode == 0 ? null : Failure(step, program, "validate", work.Module, validate);
        }

        var variables = Directory.CreateTempSubdirectory("flotilla-tf-");
        try
        {
            var file = Path.Combine(variables.FullName, "flotilla.tfvars.json");
            // The directory is private (CreateTempSubdirectory makes it 0700).
            await using (var stream = new FileStream(file, FileMode.CreateNew, FileAccess.Write))
            {
                await JsonSerializer.SerializeAsync(stream, work.Spec.Variables, cancellationToken: cancellationToken).ConfigureAwait(false);
            }

            foreach (var targets in Applies(work))
            {
                List<string> arguments = [chdir, "apply", "-input=false", "-auto-approve", "-no-color", "-var-file=" + file, .. targets.Select(t => "-target=" + t)];
                var apply = await ProcessRunner.RunAsync(program, arguments, null, null, output, cancellationToken).ConfigureAwait(false);
                if (apply.ExitCode != 0)
                {
                    return Failure(step, program, "apply", work.Module, apply);
                }
            }

            return null;
        }
        finally
        {
            variables.Delete(recursive: true);
        }
    }

    /// <summary>
    /// The applies of one module, each with its targets: one untargeted apply; or, targeted, each
    /// <c>apply_order</c> target alone in that order (NixMox's sub-apply sequencing), then the
    /// remaining targets together.
    /// </summary>
    private static IEnumerable<IReadOnlyList<string>> Applies(Work work)
    {
        if (!work.Targeted)
        {
            yield return [];
            yield break;
        }

        foreach (var target in work.Spec.ApplyOrder)
        {
            yield return [target];
        }

        var rest = work.Spec.Targets.Where(t => !work.Spec.ApplyOrder.Contains(t)).ToList();
        if (rest.Count > 0 || work.Spec.ApplyOrder.IsEmpty)
        {
            yield return rest;
        }
    }

    private static StepResult Failure(PlanStep step, string program, string verb, string module, ProcessResult result) =>
        StepResult.Failed($"{step.Id}: {Path.GetFileName(program)} {verb} in {module} failed (exit {result.ExitCode}):\n{NixBuilder.Tail(result.StandardOutput + "\n" + result.StandardError, 10)}");
}
