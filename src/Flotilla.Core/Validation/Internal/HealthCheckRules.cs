using Flotilla.Inventory;

namespace Flotilla.Validation.Internal;

/// <summary>Health checks that cannot run: missing or malformed url, port or command, and non-positive timings.</summary>
internal static class HealthCheckRules
{
    public static void Check(Fleet fleet, Findings findings)
    {
        foreach (var host in fleet.Hosts)
        {
            foreach (var check in host.HealthChecks)
            {
                CheckOne(check, $"host \"{host.Name}\"", findings);
            }
        }

        foreach (var service in fleet.Services)
        {
            foreach (var check in service.HealthChecks)
            {
                CheckOne(check, $"service \"{service.Name}\"", findings);
            }
        }
    }

    private static void CheckOne(HealthCheck check, string owner, Findings findings)
    {
        var origin = check.Origin;
        switch (check.Kind)
        {
            case HealthCheckKind.Http when string.IsNullOrWhiteSpace(check.Url):
                findings.Error(origin, origin.Of("url"), $"the http health check of {owner} has no url", "set url to an absolute http:// or https:// URL");
                break;
            case HealthCheckKind.Http when !IsHttpUrl(check.Url!):
                findings.Error(origin, origin.Of("url"), $"the http health check of {owner} has url \"{check.Url}\", which is not an absolute http or https URL",
                    "write it as http://host:port/path or https://host/path");
                break;
            case HealthCheckKind.Tcp when check.Port is null:
                findings.Error(origin, origin.Of("port"), $"the tcp health check of {owner} has no port", "set port to a number from 1 to 65535");
                break;
            case HealthCheckKind.Tcp when check.Port is < 1 or > 65535:
                findings.Error(origin, origin.Of("port"), $"the tcp health check of {owner} has port {check.Port}, which is not a port", "set port to a number from 1 to 65535");
                break;
            case HealthCheckKind.Command when string.IsNullOrWhiteSpace(check.Command):
                findings.Error(origin, origin.Of("command"), $"the command health check of {owner} has no command", "set command to what to run on the host, such as \"systemctl is-active --quiet nginx\"");
                break;
            default:
                break;
        }

        if (check.Kind == HealthCheckKind.Http && check.ExpectedStatus is < 100 or > 599)
        {
            findings.Error(origin, origin.Of("expectedStatus"), $"the http health check of {owner} expects status {check.ExpectedStatus}, which is not an HTTP status", "use a status from 100 to 599, such as 200");
        }

        if (check.Timeout <= TimeSpan.Zero)
        {
            findings.Error(origin, origin.Of("timeout"), $"a health check of {owner} has timeout {check.Timeout.TotalSeconds}s; it would never pass", "set a positive timeout, such as 10s");
        }

        if (check.Interval <= TimeSpan.Zero)
        {
            findings.Error(origin, origin.Of("interval"), $"a health check of {owner} has interval {check.Interval.TotalSeconds}s", "set a positive interval, such as 5s");
        }

        if (check.Retries < 0)
        {
            findings.Error(origin, origin.Of("retries"), $"a health check of {owner} has {check.Retries} retries", "set retries to 0 or more");
        }
    }

    private static bool IsHttpUrl(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
        && uri.Host.Length > 0;
}
