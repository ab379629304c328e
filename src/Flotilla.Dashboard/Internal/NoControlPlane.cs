using System.Collections.Immutable;
using System.Runtime.CompilerServices;

namespace Flotilla.Dashboard.Internal;

/// <summary>What the dashboard sees when no control plane registered its fleet and commands: no hosts, and commands and runs refused.</summary>
internal sealed class NoControlPlane : IFleetSource, ICommandService, IRunLauncher
{
    public string? Unavailable => "runs are started from the dashboard of flotilla serve given the fleet's inventory (serve -f FILE)";

    public ValueTask<RunPreview> PreviewAsync(RunLaunch launch, CancellationToken cancellationToken = default) => ValueTask.FromResult(new RunPreview(null, [Unavailable!]));

    public ValueTask<RunLaunchOutcome> StartAsync(RunLaunch launch, CancellationToken cancellationToken = default) => ValueTask.FromResult(new RunLaunchOutcome(null, Unavailable));

    public bool IsRunning(string runId) => false;

    public ValueTask<bool> CancelAsync(string runId, CancellationToken cancellationToken = default) => ValueTask.FromResult(false);

    public ValueTask<IReadOnlyList<HostSummary>> ListHostsAsync(CancellationToken cancellationToken = default) => ValueTask.FromResult<IReadOnlyList<HostSummary>>([]);

    public ValueTask<HostDetail?> GetHostAsync(string name, CancellationToken cancellationToken = default) => ValueTask.FromResult<HostDetail?>(null);

    public async IAsyncEnumerable<FleetChange> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
        yield break;
    }

    public ValueTask<ImmutableArray<CommandRecord>> SendAsync(CommandRequest request, CancellationToken cancellationToken = default) =>
        throw new InvalidOperationException("no control plane is running: commands cannot be sent");

    public ValueTask<IReadOnlyList<CommandRecord>> ListAsync(string host, int limit, CancellationToken cancellationToken = default) => ValueTask.FromResult<IReadOnlyList<CommandRecord>>([]);

    public ValueTask<CommandRecord?> GetAsync(string commandId, CancellationToken cancellationToken = default) => ValueTask.FromResult<CommandRecord?>(null);

    public ValueTask<bool> KillAsync(string commandId, string requestedBy, CancellationToken cancellationToken = default) => ValueTask.FromResult(false);

    public async IAsyncEnumerable<OutputLine> ReadOutputAsync(string commandId, long afterSequence, bool follow, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.CompletedTask.ConfigureAwait(false);
        yield break;
    }
}
