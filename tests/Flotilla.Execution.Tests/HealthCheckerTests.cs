using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Flotilla.Execution.Internal;
using Flotilla.Inventory;

namespace Flotilla.Execution.Tests;

public sealed class HealthCheckerTests
{
    [Fact]
    public async Task A_check_that_fails_twice_passes_on_its_third_attempt_after_two_intervals()
    {
        using var server = new CountingServer(failures: 2);
        var time = new InstantTime();
        var (fleet, host) = Fleet(Check(server.Port, HealthCheckPhase.Liveness, retries: 3));
        var lines = new List<string>();

        var report = await new HealthChecker(new SshTransport(), time).CheckAsync(fleet, host, lines.Add, CancellationToken.None);

        Assert.True(report.Passed, report.Message);
        Assert.Equal(3, server.Requests);
        Assert.Equal([TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2)], time.Delays);
    }

    [Fact]
    public async Task A_check_that_keeps_failing_reports_its_last_answer_after_its_retries()
    {
        using var server = new CountingServer(failures: 100);
        var (fleet, host) = Fleet(Check(server.Port, HealthCheckPhase.Liveness, retries: 2));

        var report = await new HealthChecker(new SshTransport(), new InstantTime()).CheckAsync(fleet, host, _ => { }, CancellationToken.None);

        Assert.False(report.Passed);
        Assert.Equal(2, server.Requests);
        Assert.Contains("answered 500, expected 200", report.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Startup_checks_run_before_liveness_checks_and_localhost_means_the_host()
    {
        using var server = new CountingServer(failures: 0);
        var (fleet, host) = Fleet(Check(server.Port, HealthCheckPhase.Liveness, retries: 1), Check(server.Port, HealthCheckPhase.Startup, retries: 1));
        var lines = new List<string>();

        var report = await new HealthChecker(new SshTransport(), new InstantTime()).CheckAsync(fleet, host, lines.Add, CancellationToken.None);

        Assert.True(report.Passed, report.Message);
        Assert.StartsWith("passed: startup", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("passed: liveness", lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_tcp_check_fails_when_nothing_listens()
    {
        var port = FreePort();
        var (fleet, host) = Fleet(new HealthCheck { Kind = HealthCheckKind.Tcp, Port = port, Retries = 1, Timeout = TimeSpan.FromSeconds(30) });

        var report = await new HealthChecker(new SshTransport(), new InstantTime()).CheckAsync(fleet, host, _ => { }, CancellationToken.None);

        Assert.False(report.Passed);
    }

    [Fact]
    public async Task The_inventory_s_health_gate_timeout_ends_checks_that_would_retry_for_longer()
    {
        using var server = new CountingServer(failures: 1000);
        var (fleet, host) = Fleet(Check(server.Port, HealthCheckPhase.Startup, retries: 1000));
        fleet = fleet with { Deployment = new DeploymentSettings { HealthTimeout = TimeSpan.FromSeconds(5) } };
        var lines = new List<string>();

        // The instant clock ends every wait of 10 s or less at once: the 5 s bound too.
        var report = await new HealthChecker(new SshTransport(), new InstantTime()).CheckAsync(fleet, host, lines.Add, CancellationToken.None);

        Assert.False(report.Passed);
        Assert.Equal("the health checks of h did not all pass within 5 s (the inventory's health gate timeout)", report.Message);
        Assert.True(server.Requests < 1000, $"{server.Requests} requests");
    }

    private static HealthCheck Check(int port, HealthCheckPhase phase, int retries) => new()
    {
        Kind = HealthCheckKind.Http,
        Phase = phase,
        Url = $"http://localhost:{port}/health",
        Interval = TimeSpan.FromSeconds(2),
        Timeout = TimeSpan.FromSeconds(30),
        Retries = retries,
    };

    private static (Fleet, Host) Fleet(params HealthCheck[] checks)
    {
        var host = new Host { Name = "h", Hostname = "h", Target = new Target("127.0.0.1"), HealthChecks = [.. checks] };
        return (new Fleet { SourcePath = "test", Format = InventoryFormat.Json, Hosts = [host] }, host);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Answers 500 to the first <c>failures</c> requests, then 200.</summary>
    private sealed class CountingServer : IDisposable
    {
        private readonly HttpListener listener = new();
        private int requests;

        public CountingServer(int failures)
        {
            Port = FreePort();
            listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
            listener.Start();
            _ = Task.Run(async () =>
            {
                while (listener.IsListening)
                {
                    HttpListenerContext context;
                    try
                    {
                        context = await listener.GetContextAsync();
                    }
                    catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
                    {
                        return;
                    }

                    context.Response.StatusCode = Interlocked.Increment(ref requests) <= failures ? 500 : 200;
                    context.Response.Close();
                }
            });
        }

        public int Port { get; }

        public int Requests => Volatile.Read(ref requests);

        public void Dispose() => listener.Close();
    }

    /// <summary>A clock whose waits up to 10 s end at once (recorded) and whose longer ones (timeouts) never end.</summary>
    private sealed class InstantTime : TimeProvider
    {
        private readonly ConcurrentQueue<TimeSpan> delays = new();

        public IReadOnlyList<TimeSpan> Delays => [.. delays];

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            if (dueTime > TimeSpan.Zero && dueTime <= TimeSpan.FromSeconds(10))
            {
                delays.Enqueue(dueTime);
                ThreadPool.QueueUserWorkItem(_ => callback(state));
            }

            return new NeverTimer();
        }

        private sealed class NeverTimer : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period) => true;

            public void Dispose()
            {
            }

            public ValueTask DisposeAsync() => ValueTask.CompletedTask;
        }
    }
}
