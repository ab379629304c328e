using System.Collections.Immutable;
using Flotilla.Diagnostics;
using Flotilla.Inventory;
using Flotilla.Inventory.Internal;
using Flotilla.Validation.Internal;

namespace Flotilla.Validation;

/// <summary>
/// Checks a loaded <see cref="Fleet"/> for what its loader cannot see on one value alone: unknown
/// references (with a "did you mean"), self-dependencies and cycles, duplicate names, host names
/// outside the one rule (<see cref="Contracts.HostNames"/>), duplicate addresses,
/// hostnames and ports, core services that need apps, health checks that cannot run, key
/// destinations, and reboot orders that dependencies contradict. Linear in the size of the fleet; stateless and thread safe.
/// </summary>
public static class FleetValidator
{
    /// <summary>
    /// <see cref="Fleet.Diagnostics"/> (what loading found) followed by validation's findings, in
    /// a deterministic order: references, duplicates, host names, health checks and keys, then cycles.
    /// </summary>
    public static ImmutableArray<Diagnostic> Validate(Fleet fleet)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        var index = FleetIndex.Build(fleet);
        var findings = new Findings(fleet);
        ReferenceRules.Check(index, findings);
        UniquenessRules.Check(index, findings);
        NameRules.Check(fleet, findings);
        HealthCheckRules.Check(fleet, findings);
        KeyRules.Check(fleet, findings);
        DeploymentRules.Check(index, findings);
        RebootOrderRules.Check(index, findings);
        CycleRules.Check(index, findings);
        return [.. fleet.Diagnostics, .. findings.Items];
    }
}
