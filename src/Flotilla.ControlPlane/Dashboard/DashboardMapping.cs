using System.Collections.Immutable;
using System.Globalization;
using System.Reflection;
using Flotilla.ControlPlane.Internal;
using Flotilla.ControlPlane.Store;
using Flotilla.Dashboard;
using Flotilla.Contracts;

namespace Flotilla.ControlPlane.Dashboard;

/// <summary>What the dashboard shows of a host that the control plane's records do not hold as such: its summary, facts and drift.</summary>
internal static class DashboardMapping
{
    /// <summary>The version agents are compared with: this server's.</summary>
    public static string ServerVersion { get; } =
        typeof(DashboardMapping).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    public static HostSummary Summary(string name, bool online, DateTimeOffset? lastSeen, HostFacts? facts, HostMetrics? metrics, FleetTarget target)
    {
        var wanted = target.Hosts.GetValueOrDefault(name);
        var tags = HostTags.Of(wanted?.Tags, facts);
        return new(
            name,
            online,
            lastSeen,
            facts?.Platform,
            facts?.Generation?.ToString(CultureInfo.InvariantCulture),
            wanted?.SystemPath is { } system && facts?.CurrentSystem is { } current ? current == system : null,
            tags,
            Drift(name, online, facts, target),
            metrics);
    }

    public static HostSummary Summary(HostPresence? presence, HostRecord? stored, string name, FleetTarget target)
    {
        if (presence is null)
        {
            return Summary(name, false, stored?.LastSeen, stored?.Facts, stored?.Metrics, target);
        }

        lock (presence.Gate)
        {
            return Summary(name, presence.Online, presence.LastSeen ?? stored?.LastSeen, presence.Facts ?? stored?.Facts, presence.Metrics ?? stored?.Metrics, target) with
            {
                Containers = presence.Online ? [.. presence.Containers ?? []] : [],
                Storage = presence.Online ? [.. presence.Storage ?? []] : [],
                Backups = presence.Online ? [.. presence.Backups ?? []] : [],
            };
        }
    }

    public static ImmutableSortedDictionary<string, string> Facts(HostRecord? stored, HostFacts? facts, HostTarget? wanted = null)
    {
        var builder = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        void Add(string key, string? value)
        {
            if (!string.IsNullOrEmpty(value))
            {
                builder[key] = value;
            }
        }

        Add("hostname", facts?.Hostname);
        Add("platform", facts?.Platform);
        Add("agent version", facts?.AgentVersion);
        Add("os version", facts?.OsVersion);
        Add("nixpkgs version", facts?.NixpkgsVersion);
        Add("current system", facts?.CurrentSystem);
        Add("booted system", facts?.BootedSystem);
        Add("needs reboot", facts?.PendingSystem is { } pending ? $"yes: a new system waits for a reboot ({pending})"
            : facts?.NeedsReboot switch { true => "yes: kernel, initrd or kernel modules changed", false => "no", null => null });
        Add("generation", facts?.Generation?.ToString(CultureInfo.InvariantCulture));
        Add("repo", facts?.Repo);
        Add("flake revision", facts?.FlakeRevision);
        Add("flake.lock sha256", facts?.LockHash);
        Add("inventory system", wanted?.SystemPath);
        if (stored is not null)
        {
            Add("enrolled", stored.CreatedAt.ToString("u", CultureInfo.InvariantCulture));
            Add("token", stored.HasToken ? "per-host token" : "none (shared enrolment token or revoked)");
        }

        return builder.ToImmutable();
    }

    /// <summary>
    /// NixFleet's five compartments, each compared with the fleet's target where the server has one:
    /// agent (connected, same version as the server), git (the agent's repository at the fleet's
    /// revision), lock (its flake.lock the fleet's), system (running what the inventory builds now,
    /// and booted into it), tests (the latest run's health verification of the host).
    /// </summary>
    internal static ImmutableArray<DriftCompartment> Drift(string name, bool online, HostFacts? facts, FleetTarget target) =>
        [Agent(online, facts), Git(facts, target), Lock(facts, target), SystemState(name, facts, target), Tests(name, target)];

    private static DriftCompartment Agent(bool online, HostFacts? facts) =>
        facts is null ? new("agent", DriftState.Unknown, "the agent has not registered yet")
        : !online ? new("agent", DriftState.Unknown, "agent " + facts.AgentVersion + " not connected")
        : facts.AgentVersion == ServerVersion ? new("agent", DriftState.Ok, "agent " + facts.AgentVersion + " connected, as the server")
        : new("agent", DriftState.Outdated, "agent " + facts.AgentVersion + ", server " + ServerVersion + ": update the agent");

    private static DriftCompartment Git(HostFacts? facts, FleetTarget target) =>
        facts?.FlakeRevision is not { } revision ? new("git", DriftState.Unknown, "no repository reported (agent --repo)")
        : target.Revision is not { } wanted ? new("git", DriftState.Unknown, "at " + Short(revision) + "; no fleet revision to compare with (serve -f with an inventory in a git repository)")
        : revision == wanted ? new("git", DriftState.Ok, "at " + Short(revision) + ", the fleet's revision")
        : new("git", DriftState.Outdated, "at " + Short(revision) + ", the fleet is at " + Short(wanted) + ": pull");

    private static DriftCompartment Lock(HostFacts? facts, FleetTarget target) =>
        facts?.LockHash is not { } hash ? new("lock", DriftState.Unknown, facts?.Repo is { } repo ? "no flake.lock in " + repo : "no repository reported (agent --repo)")
        : target.LockHash is not { } wanted ? new("lock", DriftState.Unknown, "no fleet flake.lock to compare with (serve -f with a flake)")
        : hash == wanted ? new("lock", DriftState.Ok, "flake.lock is the fleet's (sha256 " + Short(hash) + ")")
        : new("lock", DriftState.Outdated, "flake.lock (sha256 " + Short(hash) + ") differs from the fleet's (" + Short(wanted) + "): pull");

    private static DriftCompartment SystemState(string name, HostFacts? facts, FleetTarget target)
    {
        if (facts?.CurrentSystem is not { } current)
        {
            return new("system", DriftState.Unknown, "no system reported");
        }

        var wanted = target.Hosts.GetValueOrDefault(name)?.SystemPath;
        if (facts.PendingSystem is { } pending && (wanted is null || wanted == pending))
        {
            return new("system", DriftState.Outdated, "runs " + current + "; " + pending + (wanted is null ? "" : ", as the inventory builds it,") + " waits for a reboot (the boot default): reboot it");
        }

        if (wanted is not null && wanted != current)
        {
            return new("system", DriftState.Outdated, "runs " + current + "; the inventory builds " + wanted + ": deploy it");
        }

        if (facts.BootedSystem is { } booted && booted != current && (facts.NeedsReboot ?? true))
        {
            return new("system", DriftState.Outdated, "booted " + booted + " with another kernel, initrd or kernel modules than " + current + ": a reboot boots into it");
        }

        return wanted is null
            ? new("system", DriftState.Ok, current + (target.Inventory is null ? "" : " (the inventory does not build this host)"))
            : new("system", DriftState.Ok, current + ", as the inventory builds it");
    }

    private static DriftCompartment Tests(string name, FleetTarget target) =>
        target.Verifications.GetValueOrDefault(name) is not { } verification
            ? new("tests", DriftState.Unknown, "no run has verified this host yet")
            : new(
                "tests",
                verification.Passed ? DriftState.Ok : DriftState.Failed,
                (verification.Passed ? "health checks passed" : "health checks failed") + " in run " + verification.RunId + " at " +
                verification.At.ToString("u", CultureInfo.InvariantCulture) + (verification.Message is { Length: > 0 } m ? ": " + m : ""));

    private static string Short(string value) => value.Length > 12 ? value[..12] : value;
}
