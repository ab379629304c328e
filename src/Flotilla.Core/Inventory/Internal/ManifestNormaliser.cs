using System.Collections.Immutable;
using System.Text.Json;

namespace Flotilla.Inventory.Internal;

/// <summary>
/// Turns a NixMox service manifest (seed 003: <c>network</c>, <c>core_services</c>, <c>services</c>)
/// into a <see cref="Fleet"/>. Each enabled service runs on a host of its own named after its key,
/// reached at its <c>ip</c> (else its <c>hostname</c>).
/// </summary>
internal static class ManifestNormaliser
{
    private static readonly ImmutableDictionary<string, string> ServiceFields = ImmutableDictionary.CreateRange(new Dictionary<string, string>
    {
        ["dependsOn"] = "depends_on",
        ["healthChecks"] = "interface.health",
        ["proxy"] = "interface.proxy",
        ["db"] = "interface.db",
        ["auth"] = "interface.auth",
        ["auth.provider"] = "interface.auth.provider",
        ["terraform"] = "interface.terraform",
    });

    public static Fleet Normalise(JsonElement root, string file)
    {
        var diagnostics = new DiagnosticBag(file);
        var hosts = ImmutableArray.CreateBuilder<Host>();
        var services = ImmutableArray.CreateBuilder<Service>();
        NetworkSettings? network = null;
        string? flake = null;
        if (JsonObjectReader.Create(root, "", diagnostics, "a service manifest") is { } reader)
        {
            flake = SystemSources.ReadFlake(reader, file);
            network = NetworkReader.ReadManifest(reader.Object("network"));
            foreach (var (section, tier) in new[] { ("core_services", ServiceTier.Core), ("services", ServiceTier.App) })
            {
                foreach (var (name, entry) in reader.Entries(section, "services"))
                {
                    if (ReadEntry(name, entry, tier) is { } pair)
                    {
                        hosts.Add(pair.Host);
                        services.Add(pair.Service);
                    }
                }
            }

            reader.ReportUnknown();
        }

        return new Fleet
        {
            SourcePath = file,
            Format = InventoryFormat.Manifest,
            Hosts = hosts.ToImmutable(),
            Services = services.ToImmutable(),
            Network = network,
            FlakeDirectory = flake,
            Diagnostics = diagnostics.ToImmutable(),
        };
    }

    private static (Host Host, Service Service)? ReadEntry(string name, JsonObjectReader entry, ServiceTier tier)
    {
        if (entry.Bool("enable") == false)
        {
            // A disabled service is left out whole; its other attributes are not checked.
            return null;
        }

        var ip = entry.String("ip");
        var hostname = entry.String("hostname");
        var origin = new Origin(entry.Diagnostics.File, entry.Path) { FieldNames = ServiceFields };
        var checks = ImmutableArray<HealthCheck>.Empty;
        ProxySpec? proxy = null;
        DatabaseSpec? database = null;
        AuthSpec? auth = null;
        TerraformSpec? terraform = null;
        BackupSpec? backup = null;
        ContainerSpec? container = null;
        if (entry.Object("interface") is { } face)
        {
            if (face.Object("health") is { } health)
            {
                checks = [.. HealthCheckReader.ReadManifestHealth(health)];
            }

            proxy = ServicePartsReader.Proxy(face.Object("proxy"));
            database = ServicePartsReader.Database(face.Object("db"));
            auth = ServicePartsReader.Auth(face.Object("auth"));
            terraform = ServicePartsReader.Terraform(face.Object("terraform"));
            backup = ServicePartsReader.Backup(face.Object("backup"));
            container = ServicePartsReader.Container(face.Object("container"));
            face.ReportUnknown();
        }

        var host = new Host
        {
            Name = name,
            Hostname = hostname ?? name,
            Target = new Target(ip ?? hostname ?? name),
            Origin = new Origin(entry.Diagnostics.File, entry.Path)
            {
                FieldNames = ImmutableDictionary<string, string>.Empty
                    .Add("address", ip is not null ? "ip" : "hostname")
                    .Add("hostname", "hostname"),
            },
        };
        var service = new Service
        {
            Name = name,
            Host = name,
            Tier = tier,
            DependsOn = entry.Strings("depends_on"),
            Ports = entry.Ints("ports", 1, 65535),
            HealthChecks = checks,
            Proxy = proxy,
            Database = database,
            Auth = auth,
            Terraform = terraform,
            Backup = backup,
            Container = container,
            Origin = origin,
        };
        entry.ReportUnknown();
        return (host, service);
    }
}
