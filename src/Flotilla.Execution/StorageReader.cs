using System.Globalization;
using Flotilla.Contracts;
using Flotilla.Inventory;

namespace Flotilla.Execution;

/// <summary>One host's watched file systems as <c>flotilla status --storage</c> reads them over ssh, or why they could not be read.</summary>
public sealed record HostStorage(string Host, IReadOnlyList<StorageUsage> Storage, string? Error)
{
    /// <summary>Paths asked for that the host does not have.</summary>
    public IReadOnlyList<string> Missing { get; init; } = [];
}

/// <summary>
/// Reads hosts' file systems over ssh (one session per host, a constant script, the paths as
/// positional arguments): GNU <c>stat -f</c> of each watched path, else of every mount of a real
/// file system (as the agent chooses them), against the thresholds given. Thread safe.
/// </summary>
public sealed class StorageReader(DeployOptions? options = null)
{
    // Paths arrive as positional arguments (RemoteShell quotes them); each line: block size,
    // blocks, available blocks, inodes, free inodes, path.
    private const string Script = """
        if [ $# -eq 0 ]; then
          while read -r _ mount type _; do
            case $type in proc|sysfs|devtmpfs|devpts|tmpfs|cgroup|cgroup2|securityfs|pstore|bpf|debugfs|tracefs|configfs|fusectl|mqueue|hugetlbfs|autofs|binfmt_misc|efivarfs|rpc_pipefs|nsfs|overlay|squashfs|ramfs|nfs|nfs4|cifs|smb3|fuse.sshfs|9p) continue ;; esac
            case $mount in /nix/store*|/proc*|/sys*|/dev*) continue ;; esac
            printf '%b\n' "$mount"
          done < /proc/self/mounts | sort -u > "${TMPDIR:-/tmp}/flotilla-mounts.$$"
          while IFS= read -r mount; do set -- "$@" "$mount"; done < "${TMPDIR:-/tmp}/flotilla-mounts.$$"
          rm -f "${TMPDIR:-/tmp}/flotilla-mounts.$$"
        fi
        for path; do
          if out=$(stat -f -c '%S %b %a %c %d' -- "$path" 2>/dev/null); then
            printf '%s %s\n' "$out" "$path"
          else
            printf 'missing %s\n' "$path"
          fi
        done
        exit 0
        """;

    private readonly DeployOptions options = options ?? new DeployOptions();

    /// <summary>Each host's file systems: <paramref name="watched"/> when it names any, else the host's own (its inventory's <c>storage</c>), else every real mount.</summary>
    public async Task<IReadOnlyList<HostStorage>> ReadAsync(IReadOnlyList<Host> hosts, IReadOnlyList<StorageThreshold> watched, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        ArgumentNullException.ThrowIfNull(watched);
        var ssh = options.Transports;
        var given = watched;
        return await Task.WhenAll(hosts.Select(async host =>
        {
            var watched = given.Count > 0 ? given : host.Storage;
            var result = await ssh.RunCommandAsync(host, RemoteShell.Script(Script, [.. watched.Select(w => w.Path)]), null, null, cancellationToken).ConfigureAwait(false);
            if (!result.Succeeded)
            {
                return new HostStorage(host.Name, [], result.ExitCode == 255 ? $"cannot reach {host.Target} over ssh: {result.Tail(2)}" : $"reading its file systems failed (exit {result.ExitCode}): {result.Tail(2)}");
            }

            var (storage, missing) = Parse(result.Output, watched);
            return new HostStorage(host.Name, storage, null) { Missing = missing };
        })).ConfigureAwait(false);
    }

    /// <summary>The script's lines as usages, with the thresholds of their paths (the defaults for mounts found).</summary>
    internal static (IReadOnlyList<StorageUsage> Storage, IReadOnlyList<string> Missing) Parse(string output, IReadOnlyList<StorageThreshold> watched)
    {
        var storage = new List<StorageUsage>();
        var missing = new List<string>();
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith("missing ", StringComparison.Ordinal))
            {
                missing.Add(line["missing ".Length..]);
                continue;
            }

            var fields = line.Split(' ', 6);
            if (fields.Length < 6 || !fields[..5].All(f => long.TryParse(f, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
            {
                continue;
            }

            var n = fields[..5].Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
            var (size, blocks, available, inodes, freeInodes) = (n[0], n[1], n[2], n[3], n[4]);
            var path = fields[5];
            var threshold = watched.FirstOrDefault(w => w.Path == path) ?? new StorageThreshold(path);
            // As the agent: used is what a service cannot have (root's reserved blocks included).
            storage.Add(new StorageUsage(path, blocks * size, (blocks - available) * size, inodes, inodes - freeInodes, threshold.Warning, threshold.Critical));
        }

        return (storage, missing);
    }
}
