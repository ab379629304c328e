using System.Net.Sockets;
using Flotilla.Inventory;

namespace Flotilla.Execution.Internal;

/// <summary>The result of a host's health checks: passed, or the failing check and its last output.</summary>
internal sealed record HealthReport(bool Passed, string Message);

/// <summary>
/// Runs a host's and its services' health checks: every startup check, then every liveness check,
/// each with its timeout, retries and interval (waited on the injected clock), all within the
/// inventory's health gate timeout when it has one. http and tcp
/// checks run from here against the host's address (localhost in a check means the host); command
/// checks run on the host over ssh. Thread safe.
/// </summary>
internal sealed class HealthChecker(IHostTransport ssh, TimeProvider time)
{
    private static readonly HttpClient Http = new(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false }) { Timeout = Timeout.InfiniteTimeSpan };

    public static IReadOnlyList<(string Owner, HealthCheck Check)> ChecksOf(Fleet fleet, Host host) =>
    [
        .. host.HealthChecks.Select(c => (host.Name, c)),
        .. fleet.Services.Where(s => s.Host == host.Name).SelectMany(s => s.HealthChecks.Select(c => (s.Name, c))),
    ];

    public async Task<HealthReport> CheckAsync(Fleet fleet, Host host, Action<string> onLine, CancellationToken cancellationToken)
    {
        // The inventory may bound the whole gate (NixMox's health_check_timeout).
        if (fleet.Deployment.HealthTimeout is not { } bound)
        {
            return await CheckAllAsync(fleet, host, onLine, cancellationToken).ConfigureAwait(false);
        }

        using var deadline = new CancellationTokenSource(bound, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            return await CheckAllAsync(fleet, host, onLine, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            var message = $"the health checks of {host.Name} did not all pass within {bound.TotalSeconds:0.###} s (the inventory's health gate timeout)";
            onLine("FAILED: " + message);
            return new HealthReport(false, message);
        }
    }

    /// <summary>Runs one owner's checks with their retries (startup, then liveness), as the verify step does for a host.</summary>
    public async Task<HealthReport> CheckAsync(Host host, string owner, IReadOnlyList<HealthCheck> checks, Action<string> onLine, CancellationToken cancellationToken)
    {
        foreach (var phase in new[] { HealthCheckPhase.Startup, HealthCheckPhase.Liveness })
        {
            foreach (var check in checks.Where(c => c.Phase == phase))
            {
                var (passed, output) = await RunWithRetriesAsync(host, check, cancellationToken).ConfigureAwait(false);
                var what = $"{phase.ToString().ToLowerInvariant()} check {Describe(check)} of {owner}";
                onLine(passed ? $"passed: {what}" : $"FAILED: {what}: {output}");
                if (!passed)
                {
                    return new HealthReport(false, $"{what} failed after {Math.Max(1, check.Retries)} attempt(s): {output}");
                }
            }
        }

        return new HealthReport(true, $"{checks.Count} health check(s) of {owner} passed");
    }

    /// <summary>Runs <paramref name="checks"/> once each (no retries): how a service is right now, for <c>flotilla services</c>.</summary>
    public async Task<HealthReport> CheckOnceAsync(Host host, IReadOnlyList<HealthCheck> checks, CancellationToken cancellationToken)
    {
        foreach (var check in checks)
        {
            var (passed, output) = await RunWithRetriesAsync(host, check with { Retries = 1 }, cancellationToken).ConfigureAwait(false);
            if (!passed)
            {
                return new HealthReport(false, $"{Describe(check)}: {output}");
            }
        }

        return new HealthReport(true, $"{checks.Count} health check(s) passed");
    }

    private async Task<HealthReport> CheckAllAsync(Fleet fleet, Host host, Action<string> onLine, CancellationToken cancellationToken)
    {
        var checks = ChecksOf(fleet, host);
        foreach (var phase in new[] { HealthCheckPhase.Startup, HealthCheckPhase.Liveness })
        {
            foreach (var (owner, check) in checks.Where(c => c.Check.Phase == phase))
            {
                var (passed, output) = await RunWithRetriesAsync(host, check, cancellationToken).ConfigureAwait(false);
                var what = $"{phase.ToString().ToLowerInvariant()} check {Describe(check)} of {owner}";
                onLine(passed ? $"passed: {what}" : $"FAILED: {what}: {output}");
                if (!passed)
                {
                    return new HealthReport(false, $"{what} failed after {Math.Max(1, check.Retries)} attempt(s): {output}");
                }
            }
        }

        return new HealthReport(true, checks.Count == 0 ? "no health checks" : $"{checks.Count} health check(s) passed");
    }

    private async Task<(bool Passed, string Output)> RunWithRetriesAsync(Host host, HealthCheck check, CancellationToken cancellationToken)
    {
        var output = "";
        var attempts = Math.Max(1, check.Retries);
        for (var attempt = 1; attempt <= attempts; attempt++)
        {
            using var timeout = new CancellationTokenSource(check.Timeout, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            try
            {
                bool passed;
                (passed, output) = await RunOnceAsync(host, check, linked.Token).ConfigureAwait(false);
                if (passed)
                {
                    return (true, output);
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                output = $"no answer within {check.Timeout.TotalSeconds:0.###} s";
            }
            catch (Exception e) when (e is HttpRequestException or SocketException or IOException)
            {
                output = e.Message;
            }

            if (attempt < attempts)
            {
                await Task.Delay(check.Interval, time, cancellationToken).ConfigureAwait(false);
            }
        }

        return (false, output);
    }

    private async Task<(bool, string)> RunOnceAsync(Host host, HealthCheck check, CancellationToken cancellationToken)
    {
        switch (check.Kind)
        {
            case HealthCheckKind.Http:
                var uri = HostUri(check.Url ?? throw new InvalidOperationException($"an http check of {host.Name} has no url"), host);
                using (var response = await Http.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false))
                {
                    var status = (int)response.StatusCode;
                    return (status == check.ExpectedStatus, $"GET {uri} answered {status}, expected {check.ExpectedStatus}");
                }

            case HealthCheckKind.Tcp:
                var address = check.Host is null || IsLocal(check.Host) ? host.Target.Address : check.Host;
                var port = check.Port ?? throw new InvalidOperationException($"a tcp check of {host.Name} has no port");
                using (var client = new TcpClient())
                {
                    await client.ConnectAsync(address, port, cancellationToken).ConfigureAwait(false);
                    return (true, $"connected to {address}:{port}");
                }

            default:
                var command = check.Command ?? throw new InvalidOperationException($"a command check of {host.Name} has no command");
                // The command is shell code by definition (written in the inventory for the host's shell).
                var result = await ssh.RunCommandAsync(host, command, null, null, cancellationToken).ConfigureAwait(false);
                return (result.Succeeded, $"`{command}` exited with {result.ExitCode}" + (result.Tail(3) is { Length: > 0 } tail ? ": " + tail : ""));
        }
    }

    private static Uri HostUri(string url, Host host)
    {
        var builder = new UriBuilder(url);
        if (IsLocal(builder.Host))
        {
            builder.Host = host.Target.Address;
        }

        return builder.Uri;
    }

    private static bool IsLocal(string name) => name is "localhost" or "127.0.0.1" or "::1" or "[::1]";

    private static string Describe(HealthCheck check) => check.Kind switch
    {
        HealthCheckKind.Http => $"http {check.Url}",
        HealthCheckKind.Tcp => $"tcp {check.Host ?? "host"}:{check.Port}",
        _ => $"command `{check.Command}`",
    };
}
