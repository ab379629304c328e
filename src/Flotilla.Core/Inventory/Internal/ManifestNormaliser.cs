using System.Collections.Immutable;
using System.Text.Json;

namespace Flotilla.Inventory.Internal;

/// <summary>
/// Turns a NixMox service manifest into a <see cref="Fleet"/>, with every key NixMox's own
/// manifest, orchestrator and modules define (devnullvoid/nixmox: nixos/service-manifest.nix,
/// docs/orchestrator-phases.md, the Caddy, PostgreSQL and host modules, terraform-manifest.nix).
/// Each enabled service runs on a host of its own named after its key (NixMox makes one LXC per
/// service), reached at its <c>ip</c> (else its <c>hostname</c>).
/// </summary>
internal static class ManifestNormaliser
{
    private static readonly ImmutableDictionary<string, string> ServiceFields = ImmutableDictionary.CreateRange(new Dictionary<string, string>
    {
        ["dependsOn"] = "depends_on",
        ["healthChecks"] = "interface.health",
        ["proxy"] = "interface.proxy",
        ["db"] = "interface.db",
        ["dbs"] = "interface.dbs",
        ["auth"] = "interface.auth",
        ["auth.provider"] = "interface.auth.provider",
        ["terraform"] = "interface.terraform",
        ["backup"] = "interface.backup",
        ["container"] = "interface.container",
    });

    /// <summary>Keys NixMox defines that switch features of its own orchestrator on; Flotilla always does these.</summary>
    private static readonly string[] OrchestratorSwitches = ["enable_health_monitoring", "enable_dependency_graphing", "enable_deployment_logging"];

    public static Fleet Normalise(JsonElement root, string file)
    {
        var diagnostics = new DiagnosticBag(file);
        var hosts = ImmutableArray.CreateBuilder<Host>();
        var services = ImmutableArray.CreateBuilder<Service>();
        var disabled = ImmutableArray.CreateBuilder<string>();
        NetworkSettings? network = null;
        string? flake = null;
        var deployment = new DeploymentSettings();
        if (JsonObjectReader.Create(root, "", diagnostics, "a service manifest") is { } reader)
        {
            flake = SystemSources.ReadFlake(reader, file);
            network = NetworkReader.ReadManifest(reader.Object("network"));
            deployment = ReadDeployment(reader);
            foreach (var (section, tier) in new[] { ("core_services", ServiceTier.Core), ("services", ServiceTier.App) })
            {
                foreach (var (name, entry) in reader.Entries(section, "services"))
                {
                    if (entry.Bool("enable") == false)
                    {
                        // A disabled service is left out whole; its other attributes are not checked.
                        disabled.Add(name);
                    }
                    else
                    {
                        var (host, service) = ReadEntry(name, entry, tier, deployment);
                        hosts.Add(host);
                        services.Add(service);
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
            Deployment = deployment,
            DisabledServices = disabled.ToImmutable(),
            Diagnostics = diagnostics.ToImmutable(),
        };
    }

    /// <summary>
    /// <c>deployment_phases</c> (<c>tf_infra</c>, <c>nix_core</c>, <c>tf_auth_core</c>,
    /// <c>services</c>), the health gate defaults and <c>enable_rollback</c>.
    /// </summary>
    private static DeploymentSettings ReadDeployment(JsonObjectReader reader)
    {
        var settings = new DeploymentSettings
        {
            HealthTimeout = reader.Duration("health_check_timeout"),
            RetryAttempts = reader.Int("retry_attempts", 0, 1000),
            RetryDelay = reader.Duration("retry_delay"),
            RollbackOnFailure = reader.Bool("enable_rollback") ?? true,
        };
        reader.Ignore(OrchestratorSwitches);
        if (reader.Object("deployment_phases") is { } phases)
        {
            settings = settings with
            {
                InfraPhase = phases.Strings("tf_infra"),
                CorePhase = phases.Strings("nix_core"),
                AuthCorePhase = phases.Strings("tf_auth_core"),
                ServicesPhase = phases.Strings("services"),
                PhasesPath = phases.Path,
            };
            phases.ReportUnknown();
        }

        return settings;
    }

    private static (Host Host, Service Service) ReadEntry(string name, JsonObjectReader entry, ServiceTier tier, DeploymentSettings deployment)
    {
        var ip = entry.String("ip");
        var hostname = entry.String("hostname");
        var origin = new Origin(entry.Diagnostics.File, entry.Path) { FieldNames = ServiceFields };
        var checks = ImmutableArray<HealthCheck>.Empty;
        var proxies = ImmutableArray<ProxySpec>.Empty;
        var databases = ImmutableArray<DatabaseSpec>.Empty;
        AuthSpec? auth = null;
        TerraformSpec? terraform = null;
        BackupSpec? backup = null;
        ContainerSpec? container = null;
        if (entry.Object("interface") is { } face)
        {
            if (face.Object("health") is { } health)
            {
                checks = [.. HealthCheckReader.ReadManifestHealth(health, deployment)];
            }

            proxies = ServicePartsReader.Proxies(face, "proxy");
            databases = ServicePartsReader.Databases(face, name);
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
            Provisioning = ReadProvisioning(entry),
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
            Proxies = proxies,
            Databases = databases,
            Auth = auth,
            Terraform = terraform,
            Backup = backup,
            Container = container,
            Version = entry.String("version"),
            Origin = origin,
        };
        entry.ReportUnknown();
        return (host, service);
    }

    /// <summary>NixMox's Proxmox LXC settings: <c>vmid</c>, <c>resources.{cores,memory,disk_gb}</c>, <c>onboot</c>, <c>start</c>.</summary>
    private static MachineProvisioning? ReadProvisioning(JsonObjectReader entry)
    {
        var vmid = entry.Int("vmid", 100, 999_999_999);
        var onBoot = entry.Bool("onboot");
        var start = entry.Bool("start");
        int? cores = null, memory = null, disk = null;
        if (entry.Object("resources") is { } resources)
        {
            cores = resources.Int("cores", 1, 8192);
            memory = resources.Int("memory", 16, int.MaxValue);
            disk = resources.Int("disk_gb", 1, int.MaxValue);
            resources.ReportUnknown();
        }

        if (vmid is null && onBoot is null && start is null && cores is null && memory is null && disk is null)
        {
            return null;
        }

        return new MachineProvisioning { Vmid = vmid, Cores = cores, MemoryMiB = memory, DiskGiB = disk, OnBoot = onBoot, Start = start };
    }
}
