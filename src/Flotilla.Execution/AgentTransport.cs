using System.Collections.Frozen;
using Flotilla.Contracts;
using Flotilla.Inventory;

namespace Flotilla.Execution;

/// <summary>
/// Reaches hosts through their agents: each command line goes to the control plane as an
/// <see cref="Ops.Exec"/> command for the host (run by the host's <c>/bin/sh</c>, as ssh's remote
/// shell would), and its output comes back line by line as the agent streams it. Through the
/// HTTP API (<see cref="ControlPlaneClient"/>) the server must allow commands
/// (<c>serve --allow-commands</c>) and the token must have the <c>exec</c> scope; inside the
/// server (runs the dashboard starts) the engine's steps go to its command service directly.
/// Either way every step is a stored, audited command. Input (keys, container secrets) goes with
/// the command to the agent, kept in the server's memory only, never stored.
/// A command the agent does not finish (offline, lost) ends with exit 255, as ssh does for a
/// host it cannot reach.
/// Thread safe.
/// </summary>
public sealed class AgentTransport : IHostTransport
{
    /// <summary>How long one step's command may run on the host before its agent kills it.</summary>
    public static readonly TimeSpan CommandTimeout = TimeSpan.FromHours(2);

    /// <summary>A step's command that its agent has not taken within this time (the host is offline) ends as if the host were unreachable.</summary>
    public static readonly TimeSpan QueueExpiry = TimeSpan.FromMinutes(1);

    private readonly IAgentCommands client;
    private readonly FrozenSet<string> known;
    private readonly FrozenSet<string> online;

    private AgentTransport(IAgentCommands client, IReadOnlyList<HostView> hosts)
    {
        this.client = client;
        known = hosts.Select(h => h.Name).ToFrozenSet(StringComparer.Ordinal);
        online = hosts.Where(h => h.Status == "online").Select(h => h.Name).ToFrozenSet(StringComparer.Ordinal);
    }

    /// <summary>Where the agents are, for messages: the server's URL, or "this server".</summary>
    public string Server => client.Where;

    /// <summary>Asks the server which agents it knows and which are connected now (the run's choice of transports is made once, from this).</summary>
    public static async Task<AgentTransport> ConnectAsync(IAgentCommands client, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        return new AgentTransport(client, await client.HostsAsync(cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Whether the host's agent was connected when the run started (the agent registers as the host's name or its hostname).</summary>
    public bool IsConnected(Host host) => AgentName(host) is { } name && online.Contains(name);

    /// <summary>The name the host's agent has on the server: the inventory's name, else its hostname; null when the server knows neither.</summary>
    public string? AgentName(Host host)
    {
        ArgumentNullException.ThrowIfNull(host);
        return known.Contains(host.Name) ? host.Name : known.Contains(host.Hostname) ? host.Hostname : null;
    }

    public async Task<RemoteResult> RunCommandAsync(Host host, string remoteCommand, string? standardInput = null, Action<string>? onLine = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(host);
        if (AgentName(host) is not { } name)
        {
            return new RemoteResult(255, "", $"{client.Where} knows no agent named {host.Name} or {host.Hostname}: start flotilla agent on the host with --name {host.Name} and this server's enrolment token");
        }

        var stdout = new System.Text.StringBuilder();
        var stderr = new System.Text.StringBuilder();
        try
        {
            var state = await client.ExecAsync(
                name,
                ["/bin/sh", "-c", remoteCommand],
                standardInput,
                CommandTimeout,
                QueueExpiry,
                line =>
                {
                    (line.Stream == "stderr" ? stderr : stdout).Append(line.Text).Append('\n');
                    onLine?.Invoke(line.Text);
                },
                cancellationToken).ConfigureAwait(false);
            return state switch
            {
                { State: "succeeded" } => new RemoteResult(state.ExitCode ?? 0, stdout.ToString(), stderr.ToString()),
                { State: "failed", ExitCode: { } code } => new RemoteResult(code, stdout.ToString(), stderr.ToString()),
                null => new RemoteResult(255, stdout.ToString(), stderr + $"{host.Name}'s agent did not finish the command: the stream from {client.Where} ended without its state\n"),
                _ => new RemoteResult(255, stdout.ToString(), stderr + $"{host.Name}'s agent: the command ended {state.State}{(state.Message is { } m ? ": " + m : "")}\n"),
            };
        }
        catch (ControlPlaneException e)
        {
            return new RemoteResult(255, stdout.ToString(), stderr + $"{client.Where}: {e.Message}\n");
        }
    }
}
