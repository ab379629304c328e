using Flotilla.Execution.Internal;
using Flotilla.Inventory;

namespace Flotilla.Execution;

/// <summary>How a host's health checks ended: passed, or the failing check and its last answer. Immutable.</summary>
public sealed record HostHealthResult(string Host, bool Healthy, string Message);

/// <summary>
/// Runs a host's and its services' health checks once (each with its retries), as the deploy's
/// verify step does, but with nothing to confirm or roll back: for <c>flotilla status</c>. Thread safe.
/// </summary>
public sealed class HostHealth(DeployOptions? options = null)
{
    private readonly DeployOptions options = options ?? new DeployOptions();

    public async Task<HostHealthResult> CheckAsync(Fleet fleet, Host host, Action<string>? onLine = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        ArgumentNullException.ThrowIfNull(host);
        var checker = new HealthChecker(options.Transports, options.TimeProvider);
        var report = await checker.CheckAsync(fleet, host, onLine ?? (_ => { }), cancellationToken).ConfigureAwait(false);
        return new HostHealthResult(host.Name, report.Passed, report.Message);
    }
}
