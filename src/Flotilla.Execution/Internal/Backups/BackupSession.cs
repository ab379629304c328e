using Flotilla.Inventory;

namespace Flotilla.Execution.Internal.Backups;

/// <summary>
/// One service's backup on its host, as a tool sees it: its backup part, the repository password
/// file on the host, and the one way to run a constant script there (every value an argument).
/// </summary>
internal sealed class BackupSession(IHostTransport ssh, Host host, Service service, string passwordFile, Action<string> output)
{
    public Host Host => host;

    public Service Service => service;

    public BackupSpec Backup => service.Backup!;

    /// <summary>A file on the host that holds the repository password: the tool reads it there, it never crosses argv.</summary>
    public string PasswordFile => passwordFile;

    /// <summary>Runs <paramref name="script"/> with <paramref name="arguments"/> as $1...; its lines shown when <paramref name="stream"/>.</summary>
    public Task<RemoteResult> RunAsync(string script, IEnumerable<string> arguments, bool stream, CancellationToken cancellationToken) =>
        ssh.RunCommandAsync(host, RemoteShell.Script(script, arguments), null, stream ? output : null, cancellationToken);
}
