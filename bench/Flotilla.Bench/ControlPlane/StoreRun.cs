namespace Flotilla.Bench.ControlPlane;

/// <summary>Heartbeat handling latencies in milliseconds: the server's <c>lastSeen</c> minus the agent's send time.</summary>
internal sealed record Latencies(int Count, double P50, double P99, double Max)
{
    public static Latencies Of(List<double> samples)
    {
        if (samples.Count == 0)
        {
            return new Latencies(0, double.NaN, double.NaN, double.NaN);
        }

        samples.Sort();
        double At(double q) => samples[Math.Min(samples.Count - 1, (int)Math.Ceiling(q * samples.Count) - 1)];
        return new Latencies(samples.Count, At(0.50), At(0.99), samples[^1]);
    }
}

/// <summary>What one store's run measured; <see cref="Errors"/> lists what went wrong (any is a failure).</summary>
internal sealed class StoreRun(string store)
{
    public string Store { get; } = store;
    public string ServerCommand { get; set; } = "";
    public List<string> Errors { get; } = [];
    public double EnrolSeconds { get; set; }
    public double ConnectSeconds { get; set; }
    public int Connected { get; set; }
    public int HeldByAgents { get; set; }
    public double HeldByServer { get; set; }
    public int OnlineInApi { get; set; }
    public long RssIdle { get; set; }
    public long RssConnected { get; set; }
    public long RssSteadyMax { get; set; }
    public long RssAfterFanOut { get; set; }
    public long RssPeak { get; set; }
    public long? PostgresRss { get; set; }
    public Latencies Heartbeats { get; set; } = new(0, double.NaN, double.NaN, double.NaN);
    public int HeartbeatsExpected { get; set; }
    public double HostsPollMedianMs { get; set; }
    public double MessagesPerSecond { get; set; }
    public double ServerCpuPercent { get; set; }
    public double BenchCpuPercent { get; set; }
    public double? PostgresCpuPercent { get; set; }
    public double PostSeconds { get; set; }
    public double ReceivedSeconds { get; set; }
    public double StoredSeconds { get; set; }
    public double ApiConfirmedSeconds { get; set; }
    public double FanOutServerCpuSeconds { get; set; }
    public double FanOutBenchCpuSeconds { get; set; }
    public int CommandsSucceeded { get; set; }
    public long LinesStored { get; set; }
    public long LinesExpected { get; set; }
}
