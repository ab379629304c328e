using System.Collections.Immutable;
using System.Globalization;
using Flotilla.ControlPlane.Internal;
using Flotilla.ControlPlane.Store;
using Flotilla.Dashboard;
using Flotilla.Protocol;
using Store = Flotilla.ControlPlane.Store;
using Ui = Flotilla.Dashboard;

namespace Flotilla.ControlPlane.Dashboard;

/// <summary>Turns the control plane's records into the dashboard's.</summary>
internal static class DashboardMapping
{
    public static HostSummary Summary(string name, bool online, DateTimeOffset? lastSeen, HostFacts? facts, Protocol.HostMetrics? metrics) => new(
        name,
        online,
        lastSeen,
        facts?.Platform,
        facts?.Generation?.ToString(CultureInfo.InvariantCulture),
        null,
        [],
        Drift(online, facts),
        metrics is null ? null : Metrics(metrics));

    public static HostSummary Summary(HostPresence? presence, HostRecord? stored, string name)
    {
        if (presence is null)
        {
            return Summary(name, false, stored?.LastSeen, stored?.Facts, stored?.Metrics);
        }

        lock (presence.Gate)
        {
            return Summary(name, presence.Online, presence.LastSeen ?? stored?.LastSeen, presence.Facts ?? stored?.Facts, presence.Metrics ?? stored?.Metrics);
        }
    }

    public static ImmutableSortedDictionary<string, string> Facts(HostRecord? stored, HostFacts? facts)
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
        Add("generation", facts?.Generation?.ToString(CultureInfo.InvariantCulture));
        Add("repo", facts?.Repo);
        Add("flake revision", facts?.FlakeRevision);
        if (stored is not null)
        {
            Add("enrolled", stored.CreatedAt.ToString("u", CultureInfo.InvariantCulture));
            Add("token", stored.HasToken ? "per-host token" : "none (shared enrolment token or revoked)");
        }

        return builder.ToImmutable();
    }

    private static ImmutableArray<DriftCompartment> Drift(bool online, HostFacts? facts)
    {
        var agent = facts is null
            ? new DriftCompartment("agent", DriftState.Unknown, "the agent has not registered yet")
            : online
                ? new DriftCompartment("agent", DriftState.Ok, "agent " + facts.AgentVersion + " connected")
                : new DriftCompartment("agent", DriftState.Outdated, "agent " + facts.AgentVersion + " not connected");
        var git = facts?.FlakeRevision is { } revision
            ? new DriftCompartment("git", DriftState.Ok, "flake revision " + revision)
            : new DriftCompartment("git", DriftState.Unknown, "no repository reported (agent --repo)");
        var system = facts?.CurrentSystem is { } current
            ? facts.BootedSystem is { } booted && booted != current
                ? new DriftCompartment("system", DriftState.Outdated, "booted " + booted + ", current " + current + ": a reboot activates it")
                : new DriftCompartment("system", DriftState.Ok, current)
            : new DriftCompartment("system", DriftState.Unknown, "no system reported");
        return
        [
            agent,
            git,
            new DriftCompartment("lock", DriftState.Unknown, "not reported by the agent"),
            system,
            new DriftCompartment("tests", DriftState.Unknown, "not reported by the agent"),
        ];
    }

    private static Ui.HostMetrics Metrics(Protocol.HostMetrics m) => new(
        m.CpuPercent,
        Percent(m.MemoryUsedBytes, m.MemoryTotalBytes),
        Percent(m.SwapUsedBytes, m.SwapTotalBytes),
        m.Load1,
        Percent(m.DiskUsedBytes, m.DiskTotalBytes));

    private static double? Percent(long used, long total) => total <= 0 ? null : Math.Round(100.0 * used / total, 1);

    public static Ui.CommandRecord Command(Store.CommandRecord c) =>
        new(c.Id, c.Host, c.Op, c.Argv, State(c.State), c.RequestedBy, c.CreatedAt, c.FinishedAt, c.ExitCode, c.Message);

    public static Ui.CommandState State(Store.CommandState state) => state switch
    {
        Store.CommandState.Queued => Ui.CommandState.Queued,
        Store.CommandState.Running => Ui.CommandState.Running,
        Store.CommandState.Succeeded => Ui.CommandState.Succeeded,
        Store.CommandState.Failed => Ui.CommandState.Failed,
        Store.CommandState.TimedOut => Ui.CommandState.TimedOut,
        _ => Ui.CommandState.Lost,
    };

    public static Ui.OutputLine Line(Store.OutputLine line) =>
        new(line.Line, line.At, line.Stream == Protocol.OutputStream.Stderr ? Ui.OutputStream.Stderr : Ui.OutputStream.Stdout, line.Text);
}
