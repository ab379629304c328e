using System.Diagnostics.Metrics;
using Flotilla.ControlPlane.Store;

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
    private readonly Counter<long> _messages;
    private readonly Counter<long> _finished;
    private readonly Counter<long> _batches;
    private readonly Counter<long> _written;
    private readonly TimeProvider _time;
    private readonly FleetState _fleet;
    private readonly long[] _perSecond = new long[WindowSeconds];
    private readonly long[] _second = new long[WindowSeconds];

    public ControlPlaneMetrics(FleetState fleet, ControlPlaneOptions options)
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
