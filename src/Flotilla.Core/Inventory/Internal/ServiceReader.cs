using System.Collections.Immutable;

namespace Flotilla.Inventory.Internal;

/// <summary>Reads a service in the normalised shape (JSON/YAML <c>services.NAME</c>, or <c>flotilla.machine.services.NAME</c> in a flake).</summary>
internal static class ServiceReader
{
    public static Service? Read(string name, JsonObjectReader reader, string? implicitHost)
    {
        if (reader.Bool("enable") == false)
        {
            // A disabled service is left out whole; its other attributes are not checked.
            return null;
        }

        var host = reader.String("host") ?? implicitHost;
        if (host is null)
        {
            reader.Diagnostics.Error(reader.PathOf("host"), "the service names no host", "set host to the name of the host that runs it");
        }

        var checks = ImmutableArray.CreateBuilder<HealthCheck>();
        foreach (var (_, item) in reader.Items("healthChecks", "health checks"))
        {
            if (HealthCheckReader.Read(item) is { } check)
            {
                checks.Add(check);
            }
        }

        var service = new Service
        {
            Name = name,
            Host = host ?? "",
            Tier = reader.Choice("tier", Choices.Tiers) ?? ServiceTier.App,
            DependsOn = reader.Strings("dependsOn"),
            Ports = reader.Ints("ports", 1, 65535),
            HealthChecks = checks.ToImmutable(),
            Proxies = ServicePartsReader.Proxies(reader, "proxy"),
            Databases = ServicePartsReader.Databases(reader, name),
            Auth = ServicePartsReader.Auth(reader.Object("auth")),
            Terraform = ServicePartsReader.Terraform(reader.Object("terraform")),
            Backup = ServicePartsReader.Backup(reader.Object("backup")),
            Container = ServicePartsReader.Container(reader.Object("container")),
            Legacy = ServicePartsReader.Legacy(reader.Object("legacy")),
            Version = reader.String("version"),
            Origin = new Origin(reader.Diagnostics.File, reader.Path),
        };
        reader.ReportUnknown();
        return service;
    }
}
