using System.Collections.Immutable;
using System.Globalization;
using Flotilla.Inventory;
using Flotilla.Planning;

namespace Flotilla.Execution.Internal;

/// <summary>
/// Rolling batches and max-fail. Hosts are grouped by their first tag; a host's entry step is its
/// first activate step (its first reboot step in a reboot plan). In a group the hosts, ordered by
/// their entry steps' plan order, form batches; an entry step of batch k may start only when every
/// step of every host in batches before k has ended. Ordering by plan order cannot deadlock: a host
/// that depends on another has its entry step later in the plan, so it lands in the same or a later
/// batch. Not thread safe (the scheduler's loop owns it).
/// </summary>
internal sealed class BatchGates
{
    private readonly Dictionary<string, Slot> _hosts = new(StringComparer.Ordinal);
    private readonly Dictionary<int, Slot> _entries = [];
    private readonly bool _batched;
    private readonly double? _maxFailPercent;

    public BatchGates(ImmutableArray<PlanStep> steps, Fleet fleet, BatchSize? size, double? maxFailPercent)
    {
        _batched = size is not null;
        _maxFailPercent = maxFailPercent;
        var hostSteps = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (var i = 0; i < steps.Length; i++)
        {
            if (steps[i].Host is not { } host)
            {
                continue;
            }

            if (!hostSteps.TryGetValue(host, out var list))
            {
                hostSteps[host] = list = [];
            }

            list.Add(i);
        }

        var entries = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (host, list) in hostSteps)
        {
            var entry = list.FirstOrDefault(s => steps[s].Kind == StepKind.Activate, -1);
            entry = entry >= 0 ? entry : list.FirstOrDefault(s => steps[s].Kind == StepKind.Reboot, -1);
            if (entry >= 0)
            {
                entries[host] = entry;
            }
        }

        var groups = new Dictionary<string, Group>(StringComparer.Ordinal);
        foreach (var (host, entry) in entries.OrderBy(e => e.Value))
        {
            var name = fleet.FindHost(host)?.Tags.FirstOrDefault() ?? "";
            if (!groups.TryGetValue(name, out var group))
            {
                groups[name] = group = new Group(name);
            }

            var slot = new Slot(host, group, entry, [.. hostSteps[host]]);
            group.Hosts.Add(slot);
            _hosts[host] = slot;
            _entries[entry] = slot;
        }

        foreach (var group in groups.Values)
        {
            var batch = size?.For(group.Hosts.Count) ?? group.Hosts.Count;
            for (var i = 0; i < group.Hosts.Count; i++)
            {
                group.Hosts[i].Batch = i / batch;
            }
        }
    }

    public bool MayStart(int step, StepState[] states)
    {
        if (!_batched || !_entries.TryGetValue(step, out var slot))
        {
            return true;
        }

        // Steps only ever end, so the first batch with a host still at work only moves forward.
        var group = slot.Group;
        while (group.OpenBatch < slot.Batch && group.Hosts.Where(h => h.Batch == group.OpenBatch).All(h => h.Steps.All(s => states[s] is not (StepState.Pending or StepState.Running))))
        {
            group.OpenBatch++;
        }

        return slot.Batch <= group.OpenBatch;
    }

    /// <summary>
    /// Counts a failed host; when its group's failures pass the limit for the first time, returns
    /// the hosts of the group that have not started activating, with the reason to skip them.
    /// </summary>
    public (IReadOnlyList<string> Hosts, string Reason) RecordFailure(string host, StepState[] states)
    {
        if (!_hosts.TryGetValue(host, out var slot) || !slot.Group.Failed.Add(host) || _maxFailPercent is not { } limit || slot.Group.Stopped)
        {
            return ([], "");
        }

        var group = slot.Group;
        if (group.Failed.Count * 100.0 / group.Hosts.Count <= limit)
        {
            return ([], "");
        }

        group.Stopped = true;
        var name = group.Name.Length == 0 ? "of untagged hosts" : "\"" + group.Name + "\"";
        var reason = string.Create(CultureInfo.InvariantCulture, $"max-fail: {group.Failed.Count} of {group.Hosts.Count} hosts in group {name} failed, more than {limit}%");
        return ([.. group.Hosts.Where(h => states[h.Entry] == StepState.Pending).Select(h => h.Host)], reason);
    }

    /// <summary>Every step of the host, in plan order.</summary>
    public IReadOnlyList<int> StepsOf(string host) => _hosts.TryGetValue(host, out var slot) ? slot.Steps : [];

    private sealed class Group(string name)
    {
        public string Name { get; } = name;
        public List<Slot> Hosts { get; } = [];
        public HashSet<string> Failed { get; } = new(StringComparer.Ordinal);
        public bool Stopped { get; set; }
        /// <summary>The first batch some host of which is still at work; batches after it wait.</summary>
        public int OpenBatch { get; set; }
    }

    private sealed class Slot(string host, Group group, int entry, int[] steps)
    {
        public string Host { get; } = host;
        public Group Group { get; } = group;
        public int Entry { get; } = entry;
        public int[] Steps { get; } = steps;
        public int Batch { get; set; }
    }
}
