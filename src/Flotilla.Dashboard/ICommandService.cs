using System.Collections.Immutable;

namespace Flotilla.Dashboard;

/// <summary>Sending commands and reading their output. Implemented by the control plane; must be thread safe.</summary>
public interface ICommandService
{
    /// <summary>Queues the request: one command per host (delivered now, or when the host comes back).</summary>
    ValueTask<ImmutableArray<CommandRecord>> SendAsync(CommandRequest request, CancellationToken cancellationToken = default);

    /// <summary>A host's commands, newest first.</summary>
    ValueTask<IReadOnlyList<CommandRecord>> ListAsync(string host, int limit, CancellationToken cancellationToken = default);

    ValueTask<CommandRecord?> GetAsync(string commandId, CancellationToken cancellationToken = default);

    /// <summary>Asks the agent to stop the command; false when it had already finished.</summary>
    ValueTask<bool> KillAsync(string commandId, string requestedBy, CancellationToken cancellationToken = default);

    /// <summary>
    /// The command's stored lines with a sequence after <paramref name="afterSequence"/>, then, with
    /// <paramref name="follow"/>, new lines as they arrive, ending when the command finishes (or at
    /// cancellation). History and live lines meet without a gap or a repeat.
    /// </summary>
    IAsyncEnumerable<OutputLine> ReadOutputAsync(string commandId, long afterSequence, bool follow, CancellationToken cancellationToken = default);
}
