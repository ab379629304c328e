using System.Text.RegularExpressions;
using Flotilla.Inventory;
using Flotilla.Processes;

namespace Flotilla.Execution.Internal;

/// <summary>
/// Uploads keys: the secret goes over ssh's stdin into a temporary file in the destination
/// directory, which gets its owner and mode before it is renamed into place. The secret is never
/// an argument, an environment variable, a log line or a store path. Thread safe.
/// </summary>
internal sealed partial class KeyUploader(IHostTransport ssh)
{
    private const string Script = """
        set -e
        umask 077
        dir=$1 name=$2 owner=$3 group=$4 mode=$5
        mkdir -p "$dir"
        tmp="$dir/.$name.flotilla-upload.$$"
        trap 'rm -f "$tmp"' EXIT
        cat > "$tmp"
        chown "$owner:$group" "$tmp"
        chmod "$mode" "$tmp"
        changed=1
        if [ -f "$dir/$name" ] && cmp -s "$tmp" "$dir/$name"; then changed=0; fi
        mv -f "$tmp" "$dir/$name"
        trap - EXIT
        if [ "$changed" = 1 ]; then echo flotilla-key-changed; fi
        """;

    /// <summary>Uploads the key; true when the host's file is new or had other contents.</summary>
    public async Task<bool> UploadAsync(Host host, Key key, CancellationToken cancellationToken)
    {
        Validate(host, key);
        var secret = await ReadSecretAsync(host, key, cancellationToken).ConfigureAwait(false);
        var result = await ssh.RunCommandAsync(
            host,
            RemoteShell.Script(Script, key.DestDir, key.Name, key.User, key.Group, key.Permissions),
            secret,
            null,
            cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new KeyUploadException($"uploading key {key.Name} of {host.Name} to {key.DestDir} failed (exit {result.ExitCode}): {result.Tail(3)}");
        }

        return result.Output.Contains("flotilla-key-changed", StringComparison.Ordinal);
    }

    private static async Task<string> ReadSecretAsync(Host host, Key key, CancellationToken cancellationToken)
    {
        switch (key.Source)
        {
            case KeySourceKind.Text:
                return key.Value;
            case KeySourceKind.File:
                try
                {
                    return await File.ReadAllTextAsync(key.Value, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw new KeyUploadException($"key {key.Name} of {host.Name}: cannot read keyFile {key.Value}: {e.Message}");
                }

            default:
                IReadOnlyList<string> command = key.CommandLine.IsDefaultOrEmpty ? ["sh", "-c", key.Value] : key.CommandLine;
                ProcessResult result;
                try
                {
                    result = await ProcessRunner.RunAsync(command[0], command.Skip(1), key.CommandEnvironment.IsEmpty ? null : key.CommandEnvironment, cancellationToken).ConfigureAwait(false);
                }
                catch (System.ComponentModel.Win32Exception)
                {
                    throw new KeyUploadException($"key {key.Name} of {host.Name}: cannot run {command[0]}: it is not installed here"
                        + (Path.GetFileName(command[0]).Contains("sops", StringComparison.Ordinal) ? $" (install sops, or set {ContainerSecrets.SopsVariable} to its path)" : ""));
                }

                // Its output is the secret and its errors may quote it: neither goes into the message.
                return result.ExitCode == 0
                    ? result.StandardOutput
                    : throw new KeyUploadException($"key {key.Name} of {host.Name}: keyCommand {command[0]} exited with {result.ExitCode}");
        }
    }

    private static void Validate(Host host, Key key)
    {
        if (key.Name.Length == 0 || key.Name is "." or ".." || key.Name.Contains('/', StringComparison.Ordinal))
        {
            throw new KeyUploadException($"key '{key.Name}' of {host.Name}: a key name must be a plain file name (no '/')");
        }

        if (!Permissions().IsMatch(key.Permissions))
        {
            throw new KeyUploadException($"key {key.Name} of {host.Name}: permissions '{key.Permissions}' must be octal, like 0600");
        }

        if (!key.DestDir.StartsWith('/'))
        {
            throw new KeyUploadException($"key {key.Name} of {host.Name}: destDir '{key.DestDir}' must be an absolute path");
        }
    }

    [GeneratedRegex("^[0-7]{3,4}$")]
    private static partial Regex Permissions();
}
