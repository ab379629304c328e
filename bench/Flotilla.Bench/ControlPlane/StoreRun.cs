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
    public List<FanOut> FanOuts { get; } = [];
    public int CommandsSucceeded { get; set; }
    public long LinesStored { get; set; }
    public long LinesExpected { get; set; }
    public int Admitted { get; set; }
    public int Refused { get; set; }
    public string? RefusalReason { get; set; }
    public (int Attempts, int Admitted) Retries { get; set; }
    public int AgentLimit { get; set; }
    public double OpenFilesLimit { get; set; } = double.NaN;
    public bool ServerUp { get; set; }

    /// <summary>The median of a figure over the fan-outs (NaN when there were none).</summary>
    public double Median(Func<FanOut, double> figure)
    {
        var values = FanOuts.Select(figure).Order().ToList();
        return values.Count == 0 ? double.NaN : values[(values.Count - 1) / 2];
    }

    public double Best(Func<FanOut, double> figure) => FanOuts.Count == 0 ? double.NaN : FanOuts.Min(figure);
}

/// <summary>
/// One command fanned out to every host: seconds from just before the POST until it was answered,
/// until the last agent had the command, until the last completion was acknowledged (stored),
/// until the API showed every command finished; CPU seconds spent meanwhile; the machine's
/// 1-minute load average when it ended.
/// </summary>
internal sealed record FanOut(double Post, double Received, double Stored, double ApiConfirmed, double ServerCpu, double BenchCpu, double PostgresCpu, double Load);
