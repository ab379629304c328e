using System.Collections.Immutable;
using System.Globalization;

namespace Flotilla.Inventory.Internal;

/// <summary>
/// Seeds 000 and 001 (orther/doomlab's Dagger modules): <c>services.dagger.NAME</c> services
/// (<c>enable</c>, <c>image</c>, <c>dataDir</c>, <c>port</c>, <c>childBridgePorts</c>,
/// <c>portRange</c>, <c>enableAutoUpdate</c>, <c>enableBackup</c>, <c>enableMonitoring</c>,
/// <c>network</c>), <c>services.dagger.secrets.runtime.secretsDir</c>,
/// <c>services.dagger.storage</c>, and the nixarr set <c>services.dagger.nixarr.SERVICE</c> with
/// the seed's images, ports, user 568:568 and dependencies. Read as containers Flotilla runs.
/// </summary>
internal static class DaggerReader
{
    /// <summary>Where each known image keeps its data inside the container (the doomlab modules' volumes); others: <c>/config</c>, as linuxserver.io's images.</summary>
    private static readonly IReadOnlyDictionary<string, string> DataMounts = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["homebridge"] = "/homebridge",
        ["scrypted"] = "/server/volume",
        ["portainer"] = "/data",
        ["pihole"] = "/etc/pihole",
    };

    /// <summary>Seed 001's nixarr set: port, the path its HTTP health answers on (null: a TCP check), and what it needs.</summary>
    private static readonly (string Name, int Port, string? HealthPath, string[] Needs)[] Nixarr =
    [
        ("prowlarr", 9696, "/ping", []),
        ("transmission", 9091, null, []),
        ("sonarr", 8989, "/ping", ["prowlarr", "transmission"]),
        ("radarr", 7878, "/ping", ["prowlarr", "transmission"]),
        ("bazarr", 6767, null, ["sonarr", "radarr"]),
        ("jellyfin", 8096, "/health", []),
    ];

    /// <summary>The port a nixarr service listens on by default, for its NixOS twin when its module names none; null for other names.</summary>
    public static int? NixarrPort(string name) => Array.Find(Nixarr, n => n.Name == name) is { Name: not null } found ? found.Port : null;

    /// <summary>Transmission's peer port in seed 001 ("matches existing config").</summary>
    public const int TransmissionPeerPort = 46634;

    /// <summary>nixarr's user and group (seed 001: 568:568, matching nixarr's own).</summary>
    public const string NixarrUser = "568:568";

    public static void Read(JsonObjectReader dagger, string host, Dictionary<string, Service> services)
    {
        string? secretsDirectory = null;
        if (dagger.Object("secrets") is { } secrets)
        {
            if (secrets.Bool("enable") != false && secrets.Object("runtime") is { } runtime)
            {
                secretsDirectory = runtime.String("secretsDir");
                runtime.Ignore("mountMode");
                runtime.ReportUnknown();
            }

            secrets.ReportUnknown();
        }

        string? mediaRoot = null;
        string? stateRoot = null;
        if (dagger.Object("storage") is { } storage)
        {
            mediaRoot = storage.String("mediaRoot");
            stateRoot = storage.String("stateRoot");
            storage.Ignore("persistRoot");
            storage.ReportUnknown();
        }

        foreach (var (name, reader) in dagger.Entries("services", "services"))
        {
            if (reader.Bool("enable") != true)
            {
                reader.ReportUnknown(["image", "dataDir", "port", "childBridgePorts", "portRange", "enableAutoUpdate", "enableBackup", "enableMonitoring", "network"]);
                continue;
            }

            if (services.ContainsKey(name))
            {
                continue;
            }

            services[name] = Service(name, host, reader, secretsDirectory);
        }

        if (dagger.Object("nixarr") is { } nixarr)
        {
            ReadNixarr(nixarr, host, services, secretsDirectory, mediaRoot, stateRoot);
        }

        dagger.ReportUnknown();
    }

    private static Service Service(string name, string host, JsonObjectReader reader, string? secretsDirectory)
    {
        var image = reader.String("image");
        if (image is null)
        {
            reader.Diagnostics.Error(reader.PathOf("image"), "a Dagger service needs an image", "set image (its module's default is missing)");
        }

        var dataDirectory = reader.String("dataDir");
        var port = reader.Int("port", 1, 65535);
        var childPorts = reader.Ints("childBridgePorts", 1, 65535);
        var network = reader.String("network") ?? "host";
        var ports = ImmutableArray.CreateBuilder<int>();
        if (port is { } p)
        {
            ports.Add(p);
        }

        ports.AddRange(childPorts);
        if (reader.Object("portRange") is { } range)
        {
            var from = range.Int("from", 1, 65535);
            var to = range.Int("to", 1, 65535);
            if (from is { } f && to is { } t)
            {
                if (t < f)
                {
                    range.Diagnostics.Error(range.Path, $"the port range {f}-{t} ends before it starts", "set from to the lower port and to to the higher");
                }
                else
                {
                    ports.AddRange(Enumerable.Range(f, t - f + 1));
                }
            }

            range.ReportUnknown();
        }

        var published = network == "host" ? ImmutableArray<string>.Empty : [.. ports.Select(n => n.ToString(CultureInfo.InvariantCulture) + ":" + n.ToString(CultureInfo.InvariantCulture))];
        var monitored = reader.Bool("enableMonitoring") ?? false;
        var backedUp = reader.Bool("enableBackup") ?? false;
        var autoUpdate = reader.Bool("enableAutoUpdate") ?? false;
        var service = new Service
        {
            Name = name,
            Host = host,
            Ports = ports.ToImmutable(),
            HealthChecks = monitored && port is { } checkedPort
                ? [new HealthCheck { Kind = HealthCheckKind.Http, Url = $"http://localhost:{checkedPort.ToString(CultureInfo.InvariantCulture)}/", Origin = new Origin(reader.Diagnostics.File, reader.PathOf("enableMonitoring")) }]
                : [],
            Backup = backedUp && dataDirectory is not null ? new BackupSpec { Paths = [dataDirectory], Tool = "kopia" } : null,
            Container = new ContainerSpec
            {
                Name = name,
                Image = image ?? "",
                Network = network,
                Ports = published,
                Volumes = dataDirectory is null ? [] : [dataDirectory + ":" + DataMounts.GetValueOrDefault(name, "/config") + ":rw"],
                AutoUpdate = autoUpdate ? "registry" : null,
                SecretsDirectory = secretsDirectory,
                DataDirectory = dataDirectory,
                Source = ContainerSource.Dagger,
                SourcePath = reader.Path,
            },
            Origin = new Origin(reader.Diagnostics.File, reader.Path),
        };
        reader.ReportUnknown();
        return service;
    }

    private static void ReadNixarr(JsonObjectReader nixarr, string host, Dictionary<string, Service> services, string? secretsDirectory, string? mediaRoot, string? stateRoot)
    {
        var mediaDirectory = nixarr.String("mediaDir");
        var stateDirectory = nixarr.String("stateDir");
        if (nixarr.Object("storage") is { } storage)
        {
            mediaRoot = storage.String("mediaRoot") ?? mediaRoot;
            stateRoot = storage.String("stateRoot") ?? stateRoot;
            storage.Ignore("persistRoot");
            storage.ReportUnknown();
        }

        mediaRoot ??= mediaDirectory ?? "/fun";
        stateRoot ??= stateDirectory ?? "/var/lib/nixarr";
        nixarr.Ignore("enable");
        var enabled = new Dictionary<string, JsonObjectReader>(StringComparer.Ordinal);
        foreach (var (name, _, _, _) in Nixarr)
        {
            var entry = nixarr.Object(name);
            if (entry?.Bool("enable") == true)
            {
                enabled[name] = entry;
            }
            else
            {
                entry?.ReportUnknown(["port", "peerPort", "enhancedFeatures", "username", "hardwareAcceleration"]);
            }
        }

        foreach (var (name, defaultPort, healthPath, needs) in Nixarr)
        {
            if (!enabled.TryGetValue(name, out var entry) || services.ContainsKey(name))
            {
                continue;
            }

            var port = entry.Int("port", 1, 65535) ?? defaultPort;
            var portText = port.ToString(CultureInfo.InvariantCulture);
            var published = ImmutableArray.CreateBuilder<string>();
            published.Add(portText + ":" + portText);
            var ports = ImmutableArray.CreateBuilder<int>();
            ports.Add(port);
            if (name == "transmission")
            {
                var peer = (entry.Int("peerPort", 1, 65535) ?? TransmissionPeerPort).ToString(CultureInfo.InvariantCulture);
                published.Add(peer + ":" + peer);
                published.Add(peer + ":" + peer + "/udp");
            }

            var state = stateRoot.TrimEnd('/') + "/" + name;
            var volumes = name == "prowlarr" ? [state + ":/config"] : ImmutableArray.Create(state + ":/config", mediaRoot + ":/data");
            var enhanced = entry.Bool("enhancedFeatures") ?? true;
            var origin = new Origin(entry.Diagnostics.File, entry.Path);
            services[name] = new Service
            {
                Name = name,
                Host = host,
                DependsOn = [.. needs.Where(enabled.ContainsKey)],
                Ports = ports.ToImmutable(),
                HealthChecks =
                [
                    healthPath is null
                        ? new HealthCheck { Kind = HealthCheckKind.Tcp, Port = port, Origin = origin }
                        : new HealthCheck { Kind = HealthCheckKind.Http, Url = $"http://localhost:{portText}{healthPath}", Origin = origin },
                ],
                Backup = enhanced ? new BackupSpec { Paths = [state], Tool = "kopia" } : null,
                Container = new ContainerSpec
                {
                    Name = name,
                    Image = $"lscr.io/linuxserver/{name}:latest",
                    Ports = published.ToImmutable(),
                    Volumes = volumes,
                    Environment = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, [KeyValuePair.Create("PUID", "568"), KeyValuePair.Create("PGID", "568")]),
                    User = NixarrUser,
                    SecretsDirectory = secretsDirectory,
                    DataDirectory = state,
                    Source = ContainerSource.DaggerNixarr,
                    SourcePath = entry.Path,
                },
                Origin = origin,
            };
            // Read by the seed's own units, not by a container Flotilla runs.
            entry.Ignore("enable", "username", "hardwareAcceleration");
            entry.ReportUnknown();
        }

        nixarr.ReportUnknown();
    }
}
