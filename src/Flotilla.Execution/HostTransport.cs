using Flotilla.Inventory;

namespace Flotilla.Execution;

/// <summary>
/// How a step reaches its host: a command line for the host's shell (built with
/// <see cref="RemoteShell"/>), optional input, each output line as it comes. Over SSH
/// (<see cref="SshTransport"/>) or through the host's agent (<see cref="AgentTransport"/>); a run
/// picks one per host with <see cref="HostTransports"/>. Exit code 255: the host was not reached.
/// </summary>
public interface IHostTransport
{
    Task<RemoteResult> RunCommandAsync(Host host, string remoteCommand, string? standardInput = null, Action<string>? onLine = null, CancellationToken cancellationToken = default);
}

public static class HostTransportExtensions
{
    /// <summary>Runs <paramref name="argv"/> on the host, each word reaching the program unchanged.</summary>
    public static Task<RemoteResult> RunAsync(this IHostTransport transport, Host host, IReadOnlyList<string> argv, string? standardInput = null, Action<string>? onLine = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transport);
        return transport.RunCommandAsync(host, RemoteShell.Join(argv), standardInput, onLine, cancellationToken);
    }
}

/// <summary>
/// One run's ways to its hosts: SSH, and the agents of a control plane when the run has one. A
/// host with <c>transport = "agent"</c> goes through its agent, <c>"ssh"</c> over SSH, and by
/// default through its agent when that agent is connected, else over SSH. Thread safe.
/// </summary>
public sealed class HostTransports(SshTransport ssh, AgentTransport? agents = null) : IHostTransport
{
    public SshTransport Ssh { get; } = ssh;

    public AgentTransport? Agents { get; } = agents;

    /// <summary>Whether the host is reached through its agent in this run.</summary>
    public bool ThroughAgent(Host host)
    {
        ArgumentNullException.ThrowIfNull(host);
        return host.Transport switch
        {
            HostTransport.Agent => true,
            HostTransport.Ssh => false,
            _ => Agents?.IsConnected(host) ?? false,
        };
    }

    /// <summary>How the host is reached, for messages: <c>root@10.0.0.2 over ssh</c>, or <c>web's agent (through URL)</c>.</summary>
    public string Describe(Host host)
    {
        ArgumentNullException.ThrowIfNull(host);
        return !ThroughAgent(host) ? $"{host.Target} over ssh"
            : Agents is { } agents ? $"{host.Name}'s agent (through {agents.Server})"
            : $"{host.Name}'s agent";
    }

    /// <summary>A host that must go through its agent in a run with no server (one line saying what to give), or null.</summary>
    public string? Problem(Host host)
    {
        ArgumentNullException.ThrowIfNull(host);
        return host.Transport == HostTransport.Agent && Agents is null
            ? $"{host.Name} takes transport = \"agent\" ({Where(host)}), and this run has no control plane: give --server URL with --token-file (or {ControlPlaneClient.UrlVariable} and {ControlPlaneClient.TokenVariable})"
            : null;
    }

    private static string Where(Host host) =>
        host.Origin.File.Length == 0 ? "transport" : $"{host.Origin.File}: {host.Origin.Of("transport")}";

    public Task<RemoteResult> RunCommandAsync(Host host, string remoteCommand, string? standardInput = null, Action<string>? onLine = null, CancellationToken cancellationToken = default)
    {
        if (Problem(host) is { } problem)
        {
            return Task.FromResult(new RemoteResult(255, "", problem));
        }

        return ThroughAgent(host)
            ? Agents!.RunCommandAsync(host, remoteCommand, standardInput, onLine, cancellationToken)
            : Ssh.RunCommandAsync(host, remoteCommand, standardInput, onLine, cancellationToken);
    }
}
