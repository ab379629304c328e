using Flotilla.Inventory;
using Flotilla.Planning;

namespace Flotilla.Execution;

/// <summary>
/// Migrations as journaled runs (<c>flotilla migrate</c>): a plan of one step per service,
/// <c>migrate:HOST/SERVICE</c> (to the container) or <c>unmigrate:HOST/SERVICE</c> (back to the
/// legacy unit), each run by <see cref="MigrationRunner"/>. A step is safe to run again, so a run
/// that was stopped resumes by redoing its interrupted step. Thread safe.
/// </summary>
public sealed class MigrationStepExecutor(DeployOptions? options = null, MigrationOptions? migration = null) : IStepExecutor
{
    private readonly MigrationRunner runner = new(options, migration);

    /// <summary>
    /// The plan: one step per service; migrating, a service after the services of its host it
    /// depends on; rolling back, before them.
    /// </summary>
    public static Plan Plan(IReadOnlyList<Service> services, bool rollback)
    {
        ArgumentNullException.ThrowIfNull(services);
        var kind = rollback ? StepKind.Unmigrate : StepKind.Migrate;
        string Id(Service s) => $"{kind.ToName()}:{s.Host}/{s.Name}";
        var steps = new List<PlanStep>();
        var ordered = rollback ? services.Reverse().ToList() : [.. services];
        foreach (var service in ordered)
        {
            var after = rollback
                ? services.Where(s => s.Host == service.Host && s.DependsOn.Contains(service.Name)).Select(Id)
                : services.Where(s => s.Host == service.Host && service.DependsOn.Contains(s.Name)).Select(Id);
            steps.Add(new PlanStep(Id(service), kind, "migrate", service.Host, service.Name, [.. after])
            {
                Description = rollback ? $"{service.Name}: back to {service.Legacy?.Unit}" : $"{service.Name}: from {service.Legacy?.Unit} to its container",
            });
        }

        return new Plan(Operation.Migrate, [.. steps]);
    }

    public async Task<StepResult> ExecuteAsync(PlanStep step, StepContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(step);
        ArgumentNullException.ThrowIfNull(context);
        var service = context.Fleet.Services.FirstOrDefault(s => s.Host == step.Host && s.Name == step.Service);
        if (service is null)
        {
            return StepResult.Failed($"{step.Id}: the inventory has no service {step.Service} on {step.Host} any more");
        }

        void Output(string line) => context.Output.Line(step, line);
        return step.Kind switch
        {
            StepKind.Migrate => await runner.MigrateAsync(context.Fleet, service, Output, cancellationToken).ConfigureAwait(false),
            StepKind.Unmigrate => await runner.RollbackAsync(context.Fleet, service, Output, cancellationToken).ConfigureAwait(false),
            StepKind.Build or StepKind.Copy or StepKind.Keys or StepKind.KeysPost or StepKind.Pull or StepKind.Activate or StepKind.Container
                or StepKind.Verify or StepKind.Gate or StepKind.Terraform or StepKind.Wait or StepKind.Reboot or StepKind.Rollback
                => StepResult.Failed($"{step.Id}: a migration plan has no {step.Kind.ToName()} steps"),
            _ => throw new ArgumentOutOfRangeException(nameof(step), step.Kind, "not a step kind"),
        };
    }
}
