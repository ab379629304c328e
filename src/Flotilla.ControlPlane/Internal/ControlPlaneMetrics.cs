using Flotilla.Contracts;
using Flotilla.ControlPlane.Events;
using Flotilla.ControlPlane.Store;
using Microsoft.Extensions.DependencyInjection;
using Prometheus;

namespace Flotilla.ControlPlane.Internal;

/// <summary>
/// The server's metrics, exported at <c>/metrics</c> in Prometheus' text format by prometheus-net:
/// counters, gauges read from the fleet when scraped, and histograms of heartbeat handling, command
/// duration and store write latency. Each server has its own registry (several servers run in one
/// process in tests). Thread safe.
/// </summary>
internal sealed class ControlPlaneMetrics
{
    private const int WindowSeconds = 10;
    private readonly CollectorRegistry _registry = Prometheus.Metrics.NewCustomRegistry();
    private readonly Counter _messages;
    private readonly Counter _finished;
    private readonly Counter _batches;
    private readonly Counter _written;
    private readonly Counter _refused;
    private readonly Counter _truncated;
    private readonly Counter _droppedLines;
    private readonly Counter _droppedBytes;
    private readonly Counter _subscribersDropped;
    private readonly Gauge _hostsOnline;
    private readonly Gauge _hostsKnown;
    private readonly Gauge _connections;
    private readonly Gauge _commands;
    private readonly Gauge _messagesPerSecond;
    private readonly Gauge _storageUsed;
    private readonly Gauge _inodesUsed;
    private readonly Gauge _storageAlert;
    private readonly Gauge _hoursToFull;
    private readonly Gauge _backupAge;
    private readonly Gauge _backupLastSuccess;
    private readonly Gauge _backupVerified;
    private readonly Gauge _backupFailed;
    private readonly Gauge _paused;
    private readonly Gauge _queueBytes;
    private readonly Histogram _heartbeat;
    private readonly Histogram _commandDuration;
    private readonly Histogram _storeWrite;
    private readonly TimeProvider _time;
    private readonly FleetState _fleet;
    private readonly IServiceProvider _services;
    private readonly long[] _perSecond = new long[WindowSeconds];
    private readonly long[] _second = new long[WindowSeconds];
    private readonly int[] _pausedBy = new int[2];
    private readonly List<Action> _observers = [];

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
        _services = services;
        var factory = Prometheus.Metrics.WithCustomRegistry(_registry);
        _messages = factory.CreateCounter("flotilla_agent_messages_total", "Messages received from agents");
        _finished = factory.CreateCounter("flotilla_commands_finished_total", "Commands that reached a terminal state, by state", "state");
        _batches = factory.CreateCounter("flotilla_store_batches_total", "Transactions the store writer committed");
        _written = factory.CreateCounter("flotilla_store_writes_total", "Writes (output lines, state changes, heartbeats) in those transactions");
        _hostsOnline = factory.CreateGauge("flotilla_hosts_online", "Hosts whose agent is connected and heartbeating");
        _hostsKnown = factory.CreateGauge("flotilla_hosts_known", "Hosts the server knows");
        _connections = factory.CreateGauge("flotilla_agent_connections", "Open agent WebSocket connections");
        _commands = factory.CreateGauge("flotilla_commands", "Commands queued or running, by state", "state");
        _messagesPerSecond = factory.CreateGauge("flotilla_agent_messages_per_second", $"Agent messages per second over the last {WindowSeconds} s");
        _refused = factory.CreateCounter("flotilla_agent_connections_refused_total", "Agent connections refused with 503 before the upgrade, by reason (max-agents, open-files)", "reason");
        _truncated = factory.CreateCounter("flotilla_output_truncated_commands_total", "Commands whose output passed the per-command cap");
        _droppedLines = factory.CreateCounter("flotilla_output_dropped_lines_total", "Output lines past the per-command cap: counted, not stored");
        _droppedBytes = factory.CreateCounter("flotilla_output_dropped_bytes_total", "Bytes of output past the per-command cap");
        _storageUsed = factory.CreateGauge("flotilla_storage_used_ratio", "Space used on each file system an online host's agent watches, 0-1, by host and path", "host", "path");
        _inodesUsed = factory.CreateGauge("flotilla_storage_inodes_used_ratio", "Inodes used on each watched file system, 0-1, by host and path", "host", "path");
        _storageAlert = factory.CreateGauge("flotilla_storage_alert", "Each watched file system against its thresholds: 0 ok, 1 warning, 2 critical, by host and path", "host", "path");
        _hoursToFull = factory.CreateGauge("flotilla_storage_hours_to_full", "Hours until a watched file system is full at the growth the agent measured (only those growing), by host and path", "host", "path");
        _backupAge = factory.CreateGauge("flotilla_backup_age_seconds", "Seconds since the last good (verified) backup of each service an online host's backup timers report, by host and service (none before the first)", "host", "service");
        _backupLastSuccess = factory.CreateGauge("flotilla_backup_last_success_timestamp_seconds", "Unix time of each service's last good (verified) backup, by host and service", "host", "service");
        _backupVerified = factory.CreateGauge("flotilla_backup_verified", "Whether each service's last backup run verified its snapshot: 1 or 0, by host and service", "host", "service");
        _backupFailed = factory.CreateGauge("flotilla_backup_last_failed", "Whether each service's last backup run failed, left its snapshot unverified or wrote a result the agent cannot read: 1 or 0, by host and service", "host", "service");
        _paused = factory.CreateGauge("flotilla_agent_connections_paused", "Agent connections the server is not reading now, by reason: store (its messages wait to be stored) or rate (past its byte rate)", "reason");
        _queueBytes = factory.CreateGauge("flotilla_store_queue_bytes", "Bytes of agents' messages received and waiting to be stored");
        _subscribersDropped = factory.CreateCounter("flotilla_event_subscribers_dropped_total", "Event-stream readers dropped because they read too slowly (they resume with Last-Event-ID)");
        _heartbeat = factory.CreateHistogram("flotilla_heartbeat_handling_seconds", "Time the server took to handle an agent's heartbeat (presence, metrics, containers, storage, backups)", new HistogramConfiguration
        {
            Buckets = Histogram.ExponentialBuckets(0.00001, 4, 10),
        });
        _commandDuration = factory.CreateHistogram("flotilla_command_duration_seconds", "Time from a command's start on its host to its end, by final state", new HistogramConfiguration
        {
            LabelNames = ["state"],
            Buckets = Histogram.ExponentialBuckets(0.1, 3, 10),
        });
        _storeWrite = factory.CreateHistogram("flotilla_store_write_seconds", "Time the store writer took to commit one transaction (a batch of writes)", new HistogramConfiguration
        {
            Buckets = Histogram.ExponentialBuckets(0.0005, 3, 10),
        });
        _registry.AddBeforeCollectCallback(Observe);
    }

    /// <summary>Writes every metric in Prometheus' text format.</summary>
    public Task ExportAsync(Stream stream, CancellationToken cancellationToken) => _registry.CollectAndExportAsTextAsync(stream, cancellationToken);

    /// <summary>Gauges of <see cref="AgentAdmission"/>: the agent limit and the open files it watches.</summary>
    public void ObserveAdmission(AgentAdmission admission)
    {
        var factory = Prometheus.Metrics.WithCustomRegistry(_registry);
        var max = factory.CreateGauge("flotilla_agents_max", "The most agents connected at once (--max-agents, or derived from the open-file limit)");
        var open = factory.CreateGauge("flotilla_open_files", "Files the server process has open (sampled every few seconds)");
        var limit = admission.OpenFileLimit is { } l ? (Gauge: factory.CreateGauge("flotilla_open_files_limit", "The process's open-file limit (RLIMIT_NOFILE)"), Value: l) : default;
        lock (_observers)
        {
            _observers.Add(() =>
            {
                max.Set(admission.Max);
                open.Set(admission.OpenFiles);
                limit.Gauge?.Set(limit.Value);
            });
        }
    }

    public void AgentRefused(string reason) => _refused.WithLabels(reason).Inc();

    public void OutputDropped(long bytes, bool first)
    {
        if (first)
        {
            _truncated.Inc();
        }

        _droppedLines.Inc();
        _droppedBytes.Inc(bytes);
    }

    public void HeartbeatHandled(TimeSpan took) => _heartbeat.Observe(took.TotalSeconds);

    /// <summary>A command reached <paramref name="state"/>; <paramref name="ran"/>: how long since it started (null: it never started).</summary>
    public void CommandFinished(CommandState state, TimeSpan? ran)
    {
        _finished.WithLabels(state.ToName()).Inc();
        if (ran is { } time && time >= TimeSpan.Zero)
        {
            _commandDuration.WithLabels(state.ToName()).Observe(time.TotalSeconds);
        }
    }

    public void StoreBatch(int writes, TimeSpan took)
    {
        _batches.Inc();
        _written.Inc(writes);
        _storeWrite.Observe(took.TotalSeconds);
    }

    /// <summary>Reads what the gauges show from the fleet, just before a scrape.</summary>
    private void Observe()
    {
        _hostsOnline.Set(_fleet.OnlineCount);
        _hostsKnown.Set(_fleet.Hosts.Count);
        _connections.Set(_fleet.ConnectionCount);
        var (queued, running) = ActiveCommands();
        _commands.WithLabels("queued").Set(queued);
        _commands.WithLabels("running").Set(running);
        _messagesPerSecond.Set(MessagesPerSecond());
        SetAll(_storageUsed, Storage(_fleet, s => s.TotalBytes <= 0 ? 0 : (double)s.UsedBytes / s.TotalBytes));
        SetAll(_inodesUsed, Storage(_fleet, s => s.TotalInodes <= 0 ? 0 : (double)s.UsedInodes / s.TotalInodes));
        SetAll(_storageAlert, Storage(_fleet, s => (double)s.Severity));
        SetAll(_hoursToFull, Storage(_fleet, s => s.HoursToFull));
        var now = _time.GetUtcNow();
        SetAll(_backupAge, Backups(_fleet, b => b.AgeSeconds(now)));
        SetAll(_backupLastSuccess, Backups(_fleet, b => b.LastGood?.ToUnixTimeSeconds()));
        SetAll(_backupVerified, Backups(_fleet, b => b.Verified ? 1 : 0));
        SetAll(_backupFailed, Backups(_fleet, b => b.State == "ok" ? 0 : 1));
        _paused.WithLabels("store").Set(Volatile.Read(ref _pausedBy[(int)PauseReason.Store]));
        _paused.WithLabels("rate").Set(Volatile.Read(ref _pausedBy[(int)PauseReason.Rate]));
        // Resolved when observed: the writer and the event stream depend on these metrics.
        _queueBytes.Set(_services.GetService<StoreWriter>()?.QueuedBytes ?? 0);
        _subscribersDropped.IncTo(_services.GetService<ControlPlaneEvents>()?.SubscribersDropped ?? 0);
        lock (_observers)
        {
            foreach (var observe in _observers)
            {
                observe();
            }
        }
    }

    /// <summary>Sets a labelled gauge to exactly these series: one that is no longer measured (a host went offline, a path is no longer watched) goes.</summary>
    private static void SetAll(Gauge gauge, IEnumerable<(string[] Labels, double Value)> samples)
    {
        var now = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (labels, value) in samples)
        {
            gauge.WithLabels(labels).Set(value);
            now.Add(string.Join('\0', labels));
        }

        foreach (var labels in gauge.GetAllLabelValues().ToArray())
        {
            if (!now.Contains(string.Join('\0', labels)))
            {
                gauge.RemoveLabelled(labels);
            }
        }
    }

    /// <summary>One measurement per watched file system of each online host (a null value: none for it).</summary>
    private static IEnumerable<(string[] Labels, double Value)> Storage(FleetState fleet, Func<StorageUsage, double?> value)
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
                    yield return ([presence.Name, usage.Path], measured);
                }
            }
        }
    }

    /// <summary>One measurement per backup of each online host (a null value: none for it).</summary>
    private static IEnumerable<(string[] Labels, double Value)> Backups(FleetState fleet, Func<BackupReport, double?> value)
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
                    yield return ([presence.Name, backup.Service], measured);
                }
            }
        }
    }

    public void Paused(PauseReason reason, int delta) => Interlocked.Add(ref _pausedBy[(int)reason], delta);

    public void MessageReceived()
    {
        _messages.Inc();
        var second = _time.GetUtcNow().ToUnixTimeSeconds();
        var slot = (int)(second % WindowSeconds);
        if (Interlocked.Exchange(ref _second[slot], second) != second)
        {
            Interlocked.Exchange(ref _perSecond[slot], 0);
        }

        Interlocked.Increment(ref _perSecond[slot]);
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

    private (int Queued, int Running) ActiveCommands()
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

        return (queued, running);
    }
}
