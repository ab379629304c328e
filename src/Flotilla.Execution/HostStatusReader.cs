using System.Globalization;
using Flotilla.Execution.Internal;
using Flotilla.Inventory;

namespace Flotilla.Execution;

/// <summary>
/// What a host runs: its profile's generation (the system profile's, or a home-manager host's
/// home-manager profile's), the current (and, on NixOS, booted) systems, whether
/// booted and current kernel, initrd or kernel modules differ (a reboot is needed), and whether
/// the current system is what the inventory builds now (null when not compared; then
/// <see cref="SystemProblem"/> says why when the inventory builds nothing for the host). Immutable.
/// </summary>
public sealed record HostStatus(
    string Host,
    int? Generation,
    string? CurrentSystem,
    string? BootedSystem,
    bool NeedsReboot,
    bool? UpToDate,
    string? Error = null)
{
    /// <summary>Why the host's system was not compared: the inventory has nothing to build for it, or its system does not evaluate (one line).</summary>
    public string? SystemProblem { get; init; }

    /// <summary>
    /// A NixOS host's boot default when it is not the system it runs: a new system set to start at
    /// the next boot (a deploy with strategy recreate, <c>nixos-rebuild boot</c>) and waiting for it.
    /// </summary>
    public string? PendingSystem { get; init; }

    /// <summary>Why <see cref="NeedsReboot"/>: a system waiting for the next boot, or kernel files that changed; null when none is needed.</summary>
    public string? RebootReason { get; init; }
}

/// <summary>Reads <see cref="HostStatus"/> over ssh, one connection per host. Thread safe.</summary>
public sealed class HostStatusReader(DeployOptions? options = null)
{
    /// <summary>$1 platform. A system's kernel files are compared only on NixOS: a Mac and a home-manager user have no booted system to compare with.</summary>
    private const string Script = "platform=$1\n" + ActivationScripts.Profiles + "\n" + """
        echo "profile=$(readlink "$profile" 2>/dev/null)"
        echo "current=$(current)"
        [ "$platform" = nixos ] || exit 0
        echo "booted=$(readlink -f /run/booted-system 2>/dev/null)"
        echo "default=$(readlink -f "$profile" 2>/dev/null)"
        resolve() { if [ -e "$1" ]; then readlink -f "$1"; fi; }
        for f in kernel initrd kernel-modules; do
          echo "booted-$f=$(resolve /run/booted-system/$f)"
          echo "current-$f=$(resolve /run/current-system/$f)"
        done
        """;

    private readonly DeployOptions options = options ?? new DeployOptions();

    /// <summary>
    /// The status of each host; with <paramref name="compareWithInventory"/>, one nix evaluation
    /// says what the inventory builds now. A host the inventory builds nothing for is still read
    /// (reachability, generation), with <see cref="HostStatus.SystemProblem"/> saying why it was not compared.
    /// </summary>
    public async Task<IReadOnlyList<HostStatus>> ReadAsync(Fleet fleet, IReadOnlyList<Host> hosts, bool compareWithInventory = true, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        var expected = compareWithInventory && NixBuilder.CanBuild(fleet, hosts)
            ? await new NixBuilder(options).EvaluateSystemsAsync(fleet, hosts, cancellationToken).ConfigureAwait(false)
            : new SystemEvaluation(new Dictionary<string, HostClosure>(), new Dictionary<string, string>());
        return await Task.WhenAll(hosts.Select(async h =>
        {
            var status = await ReadAsync(h, expected.Closures.TryGetValue(h.Name, out var c) ? c.SystemPath : null, cancellationToken).ConfigureAwait(false);
            return expected.Problems.TryGetValue(h.Name, out var problem) ? status with { SystemProblem = problem } : status;
        })).ConfigureAwait(false);
    }

    public async Task<HostStatus> ReadAsync(Host host, string? expectedSystem, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(host);
        var result = await options.Transports.RunCommandAsync(host, RemoteShell.Script(Script, PlatformActivation.Name(host.Platform)), null, null, cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            return new HostStatus(host.Name, null, null, null, false, null, $"cannot read {host.Target}: {result.Tail(3)}");
        }

        var values = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split('=', 2)).Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => p[1].Trim() is { Length: > 0 } v ? v : null);
        var profile = values.GetValueOrDefault("profile");
        var prefix = host.Platform == Platform.HomeManager ? "home-manager-" : "system-";
        int? generation = profile is not null && profile.StartsWith(prefix, StringComparison.Ordinal) && profile.EndsWith("-link", StringComparison.Ordinal)
            && profile.Length > prefix.Length + "-link".Length
            && int.TryParse(profile[prefix.Length..^"-link".Length], NumberStyles.None, CultureInfo.InvariantCulture, out var number) ? number : null;
        var kernelChanged = new[] { "kernel", "initrd", "kernel-modules" }
            .Any(f => values.GetValueOrDefault("booted-" + f) != values.GetValueOrDefault("current-" + f));
        var current = values.GetValueOrDefault("current");
        // NixOS only (the script says "default" there): the profile is what the next boot starts.
        var pending = values.GetValueOrDefault("default") is { } bootDefault && current is not null && bootDefault != current ? bootDefault : null;
        var reason = pending is not null
            ? $"a new system waits for a reboot: the boot default is {pending}, the host runs {current}" + (expectedSystem is not null && pending == expectedSystem ? " (the inventory's)" : "")
            : kernelChanged ? "its booted kernel, initrd or kernel modules differ from the current system's" : null;
        return new HostStatus(host.Name, generation, current, values.GetValueOrDefault("booted"), reason is not null, expectedSystem is null ? null : current == expectedSystem)
        {
            PendingSystem = pending,
            RebootReason = reason,
        };
    }
}
