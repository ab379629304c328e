using Flotilla.Contracts;

namespace Flotilla.Execution;

/// <summary>
/// Where an <see cref="AgentTransport"/> sends its commands: a control plane's HTTP API
/// (<see cref="ControlPlaneClient"/>, the CLI's <c>--server</c>) or, inside <c>flotilla serve</c>,
/// the server's own command service (runs the dashboard starts). Thread safe.
/// </summary>
public interface IAgentCommands
{
    /// <summary>Where the agents are, for messages: the server's URL, or "this server".</summary>
    string Where { get; }

    /// <summary>Every host the server knows, online or not.</summary>
    Task<IReadOnlyList<HostView>> HostsAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Runs <paramref name="argv"/> on the agent named <paramref name="agent"/> as an
    /// <see cref="Ops.Exec"/> command, with <paramref name="input"/> on its standard input (kept
    /// in the server's memory only), handing each output line on as it comes, and returns the
    /// command's final state; null when its end was not learnt (the stream ended without it).
    /// Throws <see cref="ControlPlaneException"/> when the server refused the command or could not be reached.
    /// </summary>
    Task<CommandStateView?> ExecAsync(string agent, IReadOnlyList<string> argv, string? input, TimeSpan timeout, TimeSpan queueExpiry, Action<OutputLineView> onLine, CancellationToken cancellationToken = default);
}
