using System.Diagnostics.Metrics;
using Flotilla.Contracts;
using Flotilla.ControlPlane.Events;
using Flotilla.ControlPlane.Store;
using Microsoft.Extensions.DependencyInjection;

namespace Flotilla.ControlPlane.Internal;

/// <summary>
/// The server's instruments (System.Diagnostics.Metrics), exported at <c>/metrics</c> in
/// Prometheus' text format. Thread safe.
/// </summary>
internal sealed class ControlPlaneMetrics : IDisposable
{
    public const string MeterName = "Flotilla.ControlPlane";
    private const int WindowSeconds = 10;
    private readonly Meter _meter = new(MeterName);

    /// <summary>This server's meter (several servers in one process each have their own).</summary>
    public Meter Meter => _meter;
    private readonly Counter<long> _messages;
    private readonly Counter<long> _finished;
    private readonly Counter<long> _batches;
    private readonly Counter<long> _written;
    private readonly TimeProvider _time;
    private readonly FleetState _fleet;
    private readonly long[] _perSecond = new long[WindowSeconds];
    private readonly long[] _second = new long[WindowSeconds];
    private readonly Counter<long> _refused;
    private readonly Counter<long> _truncated;
    private readonly Counter<long> _droppedLines;
    private readonly Counter<long> _droppedBytes;
    private readonly int[] _paused = new int[2];

    /// <summary>Why the server is not reading an agent's connection.</summary>
    public enum PauseReason
    {
        /// <summary>Its messages not yet stored fill its window (or the writer's queue).</summary>
        Store,
        /// <summary>It sent more than its byte rate allows.</summary>
        Rate,
    }

    public ControlPlaneMetrics(FleetState fleet, ControlPlaneOptions options, IServiceProvider services)
    {
        _time = options.TimeProvider;
        _fleet = fleet;
        _messages = _meter.CreateCounter<long>("flotilla_agent_messages_total", description: "Messages received from agents");
        _finished = _meter.CreateCounter<long>("flotilla_commands_finished_total", description: "Commands that reached a terminal state, by state");
        _batches = _meter.CreateCounter<long>("flotilla_store_batches_total", description: "Transactions the store writer committed");
        _written = _meter.CreateCounter<long>("flotilla_store_writes_total", description: "Writes (output lines, state changes, heartbeats) in those transactions");
        _meter.CreateObservableGauge("flotilla_hosts_online", () => fleet.OnlineCount, description: "Hosts whose agent is connected and heartbeating");
        _meter.CreateObservableGauge("flotilla_hosts_known", () => fleet.Hosts.Count, description: "Hosts the server knows");
        _meter.CreateObservableGauge("flotilla_agent_connections", () => fleet.ConnectionCount, description: "Open agent WebSocket connections");
        _meter.CreateObservableGauge("flotilla_commands", ActiveCommands, description: "Commands queued or running, by state");
        _meter.CreateObservableGauge("flotilla_agent_messages_per_second", MessagesPerSecond, description: $"Agent messages per second over the last {WindowSeconds} s");
        _refused = _meter.CreateCounter<long>("flotilla_agent_connections_refused_total", description: "Agent connections refused with 503 before the upgrade, by reason (max-agents, open-files)");
        _truncated = _meter.CreateCounter<long>("flotilla_output_truncated_commands_total", description: "Commands whose output passed the per-command cap");
        _droppedLines = _meter.CreateCounter<long>("flotilla_output_dropped_lines_total", description: "Output lines past the per-command cap: counted, not stored");
        _droppedBytes = _meter.CreateCounter<long>("flotilla_output_dropped_bytes_total", description: "Bytes of output past the per-command cap");
        _meter.CreateObservableGauge("flotilla_storage_used_ratio", () => Storage(fleet, s => s.TotalBytes <= 0 ? 0 : (double)s.UsedBytes / s.TotalBytes), description: "Space used on each file system an online host's agent watches, 0-1, by host and path");
        _meter.CreateObservableGauge("flotilla_storage_inodes_used_ratio", () => Storage(fleet, s => s.TotalInodes <= 0 ? 0 : (double)s.UsedInodes / s.TotalInodes), description: "Inodes used on each watched file system, 0-1, by host and path");
        _meter.CreateObservableGauge("flotilla_storage_alert", () => Storage(fleet, s => (double)s.Severity), description: "Each watched file system against its thresholds: 0 ok, 1 warning, 2 critical, by host and path");
        _meter.CreateObservableGauge("flotilla_storage_hours_to_full", () => Storage(fleet, s => s.HoursToFull), description: "Hours until a watched file system is full at the growth the agent measured (only those growing), by host and path");
        _meter.CreateObservableGauge("flotilla_backup_age_seconds", () => Backups(fleet, b => b.AgeSeconds(_time.GetUtcNow())), description: "Seconds since the last good (verified) backup of each service an online host's backup timers report, by host and service (none before the first)");
        _meter.CreateObservableGauge("flotilla_backup_last_success_timestamp_seconds", () => Backups(fleet, b => b.LastGood?.ToUnixTimeSeconds()), description: "Unix time of each service's last good (verified) backup, by host and service");
        _meter.CreateObservableGauge("flotilla_backup_verified", () => Backups(fleet, b => b.Verified ? 1 : 0), description: "Whether each service's last backup run verified its snapshot: 1 or 0, by host and service");
        _meter.CreateObservableGauge("flotilla_backup_last_failed", () => Backups(fleet, b => b.State == "ok" ? 0 : 1), description: "Whether each service's last backup run failed, left its snapshot unverified or wrote a result the agent cannot read: 1 or 0, by host and service");
        _meter.CreateObservableGauge("flotilla_agent_connections_paused", Paused, description: "Agent connections the server is not reading now, by reason: store (its messages wait to be stored) or rate (past its byte rate)");
        // Resolved when observed: the writer and the event stream depend on these metrics.
        _meter.CreateObservableGauge("flotilla_store_queue_bytes", () => services.GetService<StoreWriter>()?.QueuedBytes ?? 0, description: "Bytes of agents' messages received and waiting to be stored");
        _meter.CreateObservableCounter("flotilla_event_subscribers_dropped_total", () => services.GetService<ControlPlaneEvents>()?.SubscribersDropped ?? 0, description: "Event-stream readers dropped because they read too slowly (they resume with Last-Event-ID)");
    }

    /// <summary>Gauges of <see cref="AgentAdmission"/>: the agent limit and the open files it watches.</summary>
    public void ObserveAdmission(AgentAdmission admission)
    {
        _meter.CreateObservableGauge("flotilla_agents_max", () => admission.Max, description: "The most agents connected at once (--max-agents, or derived from the open-file limit)");
        _meter.CreateObservableGauge("flotilla_open_files", () => admission.OpenFiles, description: "Files the server process has open (sampled every few seconds)");
        if (admission.OpenFileLimit is { } limit)
        {
            _meter.CreateObservableGauge("flotilla_open_files_limit", () => limit, description: "The process's open-file limit (RLIMIT_NOFILE)");
        }
    }

    public void AgentRefused(string reason) => _refused.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void OutputDropped(long bytes, bool first)
    {
        if (first)
        {
            _truncated.Add(1);
        }

        _droppedLines.Add(1);
        _droppedBytes.Add(bytes);
    }

    /// <summary>One measurement per watched file system of each online host (a null value: none for it).</summary>
    private static IEnumerable<Measurement<double>> Storage(FleetState fleet, Func<StorageUsage, double?> value)
    {
        foreach (var presence in fleet.Hosts.Values)
        {
            IReadOnlyList<StorageUsage>? storage;
            lock (presence.Gate)
            {
                storage = presence.Online ? presence.Storage : null;
            }

            foreach (var usage in storage ?? [])
            {
                if (value(usage) is { } measured)
                {
                    yield return new Measurement<double>(measured, new KeyValuePair<string, object?>("host", presence.Name), new KeyValuePair<string, object?>("path", usage.Path));
                }
            }
        }
    }

    /// <summary>One measurement per backup of each online host (a null value: none for it).</summary>
    private static IEnumerable<Measurement<double>> Backups(FleetState fleet, Func<BackupReport, double?> value)
    {
        foreach (var presence in fleet.Hosts.Values)
        {
            IReadOnlyList<BackupReport>? backups;
            lock (presence.Gate)
            {
                backups = presence.Online ? presence.Backups : null;
            }

            foreach (var backup in backups ?? [])
            {
                if (value(backup) is { } measured)
                {
                    yield return new Measurement<double>(measured, new KeyValuePair<string, object?>("host", presence.Name), new KeyValuePair<string, object?>("service", backup.Service));
                }
            }
        }
    }

    public void Paused(PauseReason reason, int delta) => Interlocked.Add(ref _paused[(int)reason], delta);

    private IEnumerable<Measurement<int>> Paused()
    {
        yield return new Measurement<int>(Volatile.Read(ref _paused[(int)PauseReason.Store]), new KeyValuePair<string, object?>("reason", "store"));
        yield return new Measurement<int>(Volatile.Read(ref _paused[(int)PauseReason.Rate]), new KeyValuePair<string, object?>("reason", "rate"));
    }

    public void MessageReceived()
    {
        _messages.Add(1);
        var second = _time.GetUtcNow().ToUnixTimeSeconds();
        var slot = (int)(second % WindowSeconds);
        if (Interlocked.Exchange(ref _second[slot], second) != second)
        {
            Interlocked.Exchange(ref _perSecond[slot], 0);
        }

        Interlocked.Increment(ref _perSecond[slot]);
    }

    public void CommandFinished(CommandState state) => _finished.Add(1, new KeyValuePair<string, object?>("state", state.ToName()));

    public void StoreBatch(int writes)
    {
        _batches.Add(1);
        _written.Add(writes);
    }

    private double MessagesPerSecond()
    {
        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        long sum = 0;
        for (var i = 0; i < WindowSeconds; i++)
        {
            var second = Interlocked.Read(ref _second[i]);
            // Whole seconds only: the current one is still filling up.
            if (second < now && now - second <= WindowSeconds)
            {
                sum += Interlocked.Read(ref _perSecond[i]);
            }
        }

        return sum / (double)WindowSeconds;
    }

    private IEnumerable<Measurement<int>> ActiveCommands()
    {
        var queued = 0;
        var running = 0;
        foreach (var command in _fleet.Commands.Values)
        {
            if (command.State == CommandState.Queued)
            {
                queued++;
            }
            else
            {
                running++;
            }
        }

        yield return new Measurement<int>(queued, new KeyValuePair<string, object?>("state", "queued"));
        yield return new Measurement<int>(running, new KeyValuePair<string, object?>("state", "running"));
    }

    public void Dispose() => _meter.Dispose();
}
