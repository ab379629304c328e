namespace Flotilla.Inventory.Internal;

/// <summary>
/// Reads a health check written as <c>{ type = "http"; url = ...; }</c> (seed 002's
/// <c>healthChecks</c> and the normalised shape). Missing parts are left for validation to report.
/// </summary>
internal static class HealthCheckReader
{
    public static HealthCheck? Read(JsonObjectReader reader)
    {
        var kind = reader.Choice("type", Choices.CheckKinds);
        var check = new HealthCheck
        {
            Kind = kind ?? HealthCheckKind.Command,
            Phase = reader.Choice("phase", Choices.CheckPhases) ?? HealthCheckPhase.Liveness,
            Url = reader.String("url"),
            ExpectedStatus = reader.Int("expectedStatus", 100, 599) ?? 200,
            Host = reader.String("host"),
            Port = reader.Int("port"),
            Command = reader.String("command"),
            Interval = reader.Duration("interval") ?? TimeSpan.FromSeconds(5),
            Timeout = reader.Duration("timeout") ?? TimeSpan.FromSeconds(10),
            Retries = reader.Int("retries") ?? 3,
            Origin = new Origin(reader.Diagnostics.File, reader.Path),
        };
        if (kind is null && !reader.Has("type"))
        {
            reader.Diagnostics.Error(reader.PathOf("type"), "a health check needs a type", "set type to \"http\", \"tcp\" or \"command\"");
        }

        reader.ReportUnknown();
        return kind is null ? null : check;
    }

    /// <summary>
    /// Reads NixMox's <c>interface.health</c>: <c>startup</c>, <c>liveness</c> and <c>readiness</c>
    /// commands that share interval, timeout and retries. Readiness (NixMox's orchestrator
    /// document) is checked with liveness, after startup. A value the entry does not set comes from
    /// the manifest's <c>retry_attempts</c> and <c>retry_delay</c> when it has them.
    /// </summary>
    public static IEnumerable<HealthCheck> ReadManifestHealth(JsonObjectReader health, DeploymentSettings defaults)
    {
        var interval = health.Duration("interval") ?? defaults.RetryDelay ?? TimeSpan.FromSeconds(30);
        var timeout = health.Duration("timeout") ?? TimeSpan.FromSeconds(60);
        var retries = health.Int("retries", 0, 1000) ?? defaults.RetryAttempts ?? 3;
        var checks = new List<HealthCheck>(2);
        foreach (var (key, phase) in new[] { ("startup", HealthCheckPhase.Startup), ("liveness", HealthCheckPhase.Liveness), ("readiness", HealthCheckPhase.Liveness) })
        {
            if (health.String(key) is { } command)
            {
                checks.Add(new HealthCheck
                {
                    Kind = HealthCheckKind.Command,
                    Phase = phase,
                    Command = command,
                    Interval = interval,
                    Timeout = timeout,
                    Retries = retries,
                    // interval, timeout and retries sit beside startup and liveness, so the
                    // check's path is interface.health and its command is the key itself.
                    Origin = new Origin(health.Diagnostics.File, health.Path).WithFieldName("command", key),
                });
            }
        }

        health.ReportUnknown();
        return checks;
    }
}
