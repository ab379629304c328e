using System.Text.Json;
using Flotilla.Execution.Internal;
using Flotilla.Inventory;
using Flotilla.Nix;
using Flotilla.Processes;

namespace Flotilla.Execution;

/// <summary>A host's built system: the store path of its closure and the derivation that makes it.</summary>
public sealed record HostClosure(string Host, string SystemPath, string DerivationPath);

/// <summary>
/// Builds hosts' system closures from the fleet's flake, or from the Nix file a host names: one
/// <c>nix eval</c> per attribute root or file names every output and derivation, then ONE
/// <c>nix build</c> makes all closures built locally; hosts with
/// <c>buildOnTarget</c> or a build host get their derivation copied there and realised there.
/// Thread safe.
/// </summary>
public sealed class NixBuilder(DeployOptions? options = null)
{

    private readonly DeployOptions options = options ?? new DeployOptions();
    private readonly SshTransport ssh = new((options ?? new DeployOptions()).Ssh);

    /// <summary>
    /// The attribute that builds a host when the inventory names none, by platform as the flake
    /// loader reads them: <c>nixosConfigurations.H.config.system.build.toplevel</c>,
    /// <c>darwinConfigurations.H.config.system.build.toplevel</c>, <c>homeConfigurations."USER@H".activationPackage</c>.
    /// </summary>
    public static string DefaultSystemAttribute(Host host)
    {
        ArgumentNullException.ThrowIfNull(host);
        return host.Platform switch
        {
            Platform.Darwin => "darwinConfigurations." + NixExpression.String(host.Name) + ".config.system.build.toplevel",
            Platform.HomeManager => "homeConfigurations." + NixExpression.String(host.Target.User + "@" + host.Name) + ".activationPackage",
            _ => "nixosConfigurations." + NixExpression.String(host.Name) + ".config.system.build.toplevel",
        };
    }

    /// <summary>Builds every one of <paramref name="hosts"/>; a host with nothing to build fails the whole call (one line per such host).</summary>
    public async Task<IReadOnlyDictionary<string, HostClosure>> BuildAsync(Fleet fleet, IReadOnlyList<Host> hosts, Action<string>? onLine = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        if (hosts.Count == 0)
        {
            return new Dictionary<string, HostClosure>();
        }

        var evaluation = await EvaluateSystemsAsync(fleet, hosts, cancellationToken).ConfigureAwait(false);
        evaluation.ThrowIfIncomplete();
        await BuildEvaluatedAsync(fleet, hosts, evaluation.Closures, onLine, cancellationToken).ConfigureAwait(false);
        return evaluation.Closures;
    }

    /// <summary>
    /// Builds every host whose system evaluates; the others are left out of the closures, each
    /// with its one-line problem in <see cref="SystemEvaluation.Problems"/>.
    /// </summary>
    public async Task<SystemEvaluation> BuildEvaluableAsync(Fleet fleet, IReadOnlyList<Host> hosts, Action<string>? onLine = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        ArgumentNullException.ThrowIfNull(hosts);
        var evaluation = await EvaluateSystemsAsync(fleet, hosts, cancellationToken).ConfigureAwait(false);
        await BuildEvaluatedAsync(fleet, [.. hosts.Where(h => evaluation.Closures.ContainsKey(h.Name))], evaluation.Closures, onLine, cancellationToken).ConfigureAwait(false);
        return evaluation;
    }

    private async Task BuildEvaluatedAsync(Fleet fleet, IReadOnlyList<Host> hosts, IReadOnlyDictionary<string, HostClosure> closures, Action<string>? onLine, CancellationToken cancellationToken)
    {
        // Hosts in pull mode build their own systems (DeployStepExecutor): nothing is built here for them.
        var local = hosts.Where(h => !h.BuildOnTarget && h.BuildHost is null && h.PullFrom is null).ToList();
        if (local.Count > 0)
        {
            // Flake hosts by attribute, hosts built from a Nix file by the derivation the evaluation wrote: one build for all.
            var installables = local.Select(h => h.SystemFile is null ? $"path:{fleet.FlakeDirectory}#{SystemAttribute(h)}" : closures[h.Name].DerivationPath);
            var result = await ProcessRunner.RunAsync("nix", [.. NixFlags.Flakes, "build", "--json", "--no-link", .. SubstituterOptions(), .. installables], null, null, onLine, cancellationToken).ConfigureAwait(false);
            if (result.ExitCode != 0)
            {
                throw new NixBuildException($"nix build of {string.Join(", ", local.Select(h => h.Name))} failed (exit {result.ExitCode}):\n{Tail(result.StandardError)}");
            }

            CheckBuilt(result.StandardOutput, local.Select(h => closures[h.Name]));
        }

        foreach (var host in hosts.Where(h => h.PullFrom is null && (h.BuildOnTarget || h.BuildHost is not null)))
        {
            await BuildRemotelyAsync(host, closures[host.Name], onLine, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Whether the inventory says how to build every one of <paramref name="hosts"/>: a flake, or a Nix file per host.</summary>
    public static bool CanBuild(Fleet fleet, IEnumerable<Host> hosts)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        return fleet.FlakeDirectory is not null || hosts.All(h => h.SystemFile is not null);
    }

    /// <summary>
    /// What the inventory builds now for each host (output and derivation paths), without building
    /// it. Throws <see cref="NixBuildException"/>, one line per host, when a host has nothing to
    /// build or its system cannot be evaluated; <see cref="EvaluateSystemsAsync"/> reports those
    /// per host instead.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, HostClosure>> EvaluateAsync(Fleet fleet, IReadOnlyList<Host> hosts, CancellationToken cancellationToken = default)
    {
        var evaluation = await EvaluateSystemsAsync(fleet, hosts, cancellationToken).ConfigureAwait(false);
        evaluation.ThrowIfIncomplete();
        return evaluation.Closures;
    }

    /// <summary>
    /// What the inventory builds now for each host, and for each host it builds nothing for, why
    /// and what to add (one line, never the expression Flotilla hands to Nix). One <c>nix eval</c>
    /// per attribute root of the flake and per Nix file; a host whose system throws is evaluated
    /// again alone for Nix's message, and when an evaluation fails outright, each of its hosts is.
    /// </summary>
    public async Task<SystemEvaluation> EvaluateSystemsAsync(Fleet fleet, IReadOnlyList<Host> hosts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        ArgumentNullException.ThrowIfNull(hosts);
        var closures = new Dictionary<string, HostClosure>(StringComparer.Ordinal);
        var problems = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var host in hosts.Where(h => h.SystemFile is null && fleet.FlakeDirectory is null))
        {
            problems[host.Name] =
                $"{host.Name} has nothing to build: {fleet.SourcePath} names no flake and the host no Nix file; name a flake in the inventory (\"flake\": \"DIR\", " +
                "or put the inventory beside a flake.nix) or a Nix file in the host's \"system\" (\"./machines.nix#ATTR\")";
        }

        var buildable = hosts.Where(h => h.SystemFile is not null || fleet.FlakeDirectory is not null);
        foreach (var group in buildable.GroupBy(h => h.SystemFile is { } file ? "file:" + file : "flake:" + NixExpression.SplitAttributePath(SystemAttribute(h))[0], StringComparer.Ordinal))
        {
            var members = group.ToList();
            var source = SystemSource.Of(fleet, members[0]);
            var result = await SystemProbe.RunAsync(source, members, cancellationToken).ConfigureAwait(false);
            if (result is null)
            {
                // A flake or file that does not evaluate at all fails every host: said once.
                if (await SystemProbe.SourceErrorAsync(source, cancellationToken).ConfigureAwait(false) is { } sourceError)
                {
                    throw new NixBuildException($"evaluating the systems of {string.Join(", ", members.Select(h => h.Name))} in {source.File ?? fleet.FlakeDirectory} failed:\n{sourceError}");
                }

                // Something no tryEval catches (a missing attribute, a type error inside a system):
                // each host alone, so the failure lands on the host it belongs to.
                foreach (var host in members)
                {
                    var alone = await SystemProbe.RunAsync(source, [host], cancellationToken).ConfigureAwait(false);
                    if (alone is null)
                    {
                        problems[host.Name] = $"{host.Name}: evaluating its system ({source.Describe(host)}) failed: {await SystemProbe.MessageAsync(source, host, cancellationToken).ConfigureAwait(false)}";
                    }
                    else
                    {
                        await AddAsync(source, host, alone[host.Name], closures, problems, cancellationToken).ConfigureAwait(false);
                    }
                }

                continue;
            }

            foreach (var host in members)
            {
                await AddAsync(source, host, result[host.Name], closures, problems, cancellationToken).ConfigureAwait(false);
            }
        }

        return new SystemEvaluation(closures, problems);
    }

    private static async Task AddAsync(SystemSource source, Host host, SystemProbe.Outcome outcome, Dictionary<string, HostClosure> closures, Dictionary<string, string> problems, CancellationToken cancellationToken)
    {
        switch (outcome)
        {
            case SystemProbe.Outcome.Built built:
                closures[host.Name] = new HostClosure(host.Name, built.Out, built.Drv);
                break;
            case SystemProbe.Outcome.Missing missing:
                problems[host.Name] = source.NothingToBuild(host, missing.Found);
                break;
            case SystemProbe.Outcome.NotDerivation other:
                problems[host.Name] = $"{host.Name} has nothing to build: {source.Describe(host)} is a {other.Type}, not a derivation; {source.WhatToAdd(host)}";
                break;
            default:
                problems[host.Name] = $"{host.Name}: evaluating its system ({source.Describe(host)}) failed: {await SystemProbe.MessageAsync(source, host, cancellationToken).ConfigureAwait(false)}";
                break;
        }
    }

    private async Task BuildRemotelyAsync(Host host, HostClosure closure, Action<string>? onLine, CancellationToken cancellationToken)
    {
        var builder = host.BuildHost is { } name ? ParseDestination(name) : host.Target;
        await NixCopyAsync(["--derivation", "--to", StoreUri(builder), closure.DerivationPath], builder.Port, onLine, cancellationToken).ConfigureAwait(false);
        var realise = await ssh.RunAsync(builder, ["nix-store", "--realise", .. SubstituterOptions(), closure.DerivationPath], null, onLine, cancellationToken).ConfigureAwait(false);
        if (!realise.Succeeded)
        {
            throw new NixBuildException($"building {host.Name}'s system on {builder} failed (exit {realise.ExitCode}):\n{realise.Tail()}");
        }

        if (host.BuildHost is not null)
        {
            // Through this machine: nix copy cannot go from one remote store to another directly.
            // The build host's paths are unsigned; it is trusted, since the inventory chose it to build.
            await NixCopyAsync(["--no-check-sigs", "--from", StoreUri(builder), closure.SystemPath], builder.Port, onLine, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Runs <c>nix copy</c> with this orchestrator's ssh options.</summary>
    internal async Task NixCopyAsync(IReadOnlyList<string> arguments, int port, Action<string>? onLine, CancellationToken cancellationToken)
    {
        var environment = new Dictionary<string, string> { ["NIX_SSHOPTS"] = string.Join(' ', ssh.ConnectionOptions(port)) };
        var result = await ProcessRunner.RunAsync("nix", [.. NixFlags.Flakes, "copy", .. SubstituterOptions(), .. arguments], environment, null, onLine, cancellationToken).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw new NixBuildException($"nix copy {string.Join(' ', arguments)} failed (exit {result.ExitCode}):\n{Tail(result.StandardError)}");
        }
    }

    internal static string StoreUri(Target target) => "ssh://" + SshTransport.Destination(target);

    internal IEnumerable<string> SubstituterOptions() =>
        options.Substituters is { } substituters ? ["--option", "substituters", substituters] : [];

    internal static string SystemAttribute(Host host) => host.SystemAttribute ?? DefaultSystemAttribute(host);

    private static Target ParseDestination(string destination)
    {
        var at = destination.LastIndexOf('@');
        return at < 0 ? new Target(destination) : new Target(destination[(at + 1)..], destination[..at]);
    }

    /// <summary>The output paths a <c>nix build --json</c> reports.</summary>
    internal static HashSet<string> BuiltPaths(string json)
    {
        var built = new HashSet<string>(StringComparer.Ordinal);
        using var document = JsonDocument.Parse(json);
        foreach (var entry in document.RootElement.EnumerateArray())
        {
            foreach (var output in entry.GetProperty("outputs").EnumerateObject())
            {
                built.Add(output.Value.GetString()!);
            }
        }

        return built;
    }

    private static void CheckBuilt(string json, IEnumerable<HostClosure> expected)
    {
        var built = BuiltPaths(json);
        foreach (var closure in expected.Where(c => !built.Contains(c.SystemPath)))
        {
            throw new NixBuildException($"nix build did not report {closure.SystemPath}, the system of {closure.Host}");
        }
    }

    internal static string Tail(string text, int lines = 15) =>
        string.Join('\n', text.Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(lines));
}

/// <summary>A build, evaluation or copy failed; the message names the hosts and holds nix's last lines.</summary>
public sealed class NixBuildException(string message) : Exception(message);
