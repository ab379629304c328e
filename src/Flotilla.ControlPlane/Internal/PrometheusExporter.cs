using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace Flotilla.ControlPlane.Internal;

/// <summary>
/// Renders the control plane's System.Diagnostics.Metrics instruments in Prometheus' text
/// exposition format (version 0.0.4): counters summed per label set, gauges observed at scrape.
/// Thread safe.
/// </summary>
internal sealed class PrometheusExporter : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<(Instrument Instrument, string Labels), double> _counters = new();
    private readonly Dictionary<(Instrument Instrument, string Labels), double> _gauges = [];
    private readonly ConcurrentDictionary<Instrument, byte> _instruments = new();
    private readonly Lock _scrape = new();

    public PrometheusExporter(ControlPlaneMetrics metrics)
    {
        // This server's instruments only: another server in the same process (tests) has its own.
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter == metrics.Meter)
            {
                _instruments[instrument] = 0;
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<int>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
        _listener.Start();
    }

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var labels = Labels(tags);
        if (instrument.IsObservable)
        {
            // Only RecordObservableInstruments, under the scrape lock, reports these.
            _gauges[(instrument, labels)] = value;
        }
        else
        {
            _counters.AddOrUpdate((instrument, labels), value, (_, old) => old + value);
        }
    }

    public string Scrape()
    {
        lock (_scrape)
        {
            _gauges.Clear();
            _listener.RecordObservableInstruments();
            var text = new StringBuilder();
            foreach (var instrument in _instruments.Keys.OrderBy(i => i.Name, StringComparer.Ordinal))
            {
                var gauge = instrument.IsObservable && instrument.GetType().GetGenericTypeDefinition() != typeof(ObservableCounter<>);
                var type = gauge ? "gauge" : "counter";
                text.Append("# HELP ").Append(instrument.Name).Append(' ').Append(instrument.Description).Append('\n');
                text.Append("# TYPE ").Append(instrument.Name).Append(' ').Append(type).Append('\n');
                var samples = instrument.IsObservable
                    ? _gauges.Where(g => g.Key.Instrument == instrument).Select(g => (g.Key.Labels, g.Value))
                    : _counters.Where(c => c.Key.Instrument == instrument).Select(c => (c.Key.Labels, c.Value));
                var any = false;
                foreach (var (labels, value) in samples.OrderBy(s => s.Labels, StringComparer.Ordinal))
                {
                    any = true;
                    text.Append(instrument.Name).Append(labels).Append(' ').Append(value.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
                }

                if (!any && !instrument.IsObservable)
                {
                    text.Append(instrument.Name).Append(" 0\n");
                }
            }

            return text.ToString();
        }
    }

    private static string Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.Length == 0)
        {
            return "";
        }

        var parts = new List<string>(tags.Length);
        foreach (var (key, value) in tags)
        {
            var escaped = Convert.ToString(value, CultureInfo.InvariantCulture)?.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
            parts.Add($"{key}=\"{escaped}\"");
        }

        parts.Sort(StringComparer.Ordinal);
        return "{" + string.Join(',', parts) + "}";
    }

    public void Dispose() => _listener.Dispose();
}
