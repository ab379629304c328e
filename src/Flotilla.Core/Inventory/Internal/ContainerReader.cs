using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;

namespace Flotilla.Inventory.Internal;

/// <summary>
/// Reads containers in every spelling users have: the inventory's <c>container</c> part, NixOS's
/// <c>virtualisation.oci-containers.containers.NAME</c> (as compose2nix writes it), Flotilla's
/// module <c>flotilla.containers.NAME</c>, seed 000's <c>services.dagger.NAME</c> and seed 001's
/// <c>services.dagger.nixarr.NAME</c>. Each container of a host becomes a service of that host
/// named after it (<c>HOST/NAME</c> where two hosts have a container of one name).
/// </summary>
internal static class ContainerReader
{
    /// <summary>
    /// The attributes of one container that oci-containers and the inventory's part share, read
    /// with oci-containers' spelling (and the inventory's older <c>memory</c>, <c>cpus</c>, <c>restart</c>).
    /// </summary>
    public static ContainerSpec? Read(JsonObjectReader reader, ContainerSource source)
    {
        var image = reader.String("image");
        if (image is null && !reader.Has("image"))
        {
            reader.Diagnostics.Error(reader.PathOf("image"), "a container needs an image", "set image, for example \"lscr.io/linuxserver/sonarr:latest\"");
        }

        var extraOptions = reader.Strings("extraOptions");
        var labels = StringMap(reader, "labels");
        var networks = reader.Strings("networks");
        var network = reader.String("network") ?? NetworkOf(extraOptions) ?? networks.FirstOrDefault();
        var memory = reader.String("memory") ?? OptionValue(extraOptions, "--memory", "-m");
        var cpus = reader.String("cpus") ?? OptionValue(extraOptions, "--cpus");
        var tasksMax = reader.Int("tasksMax", 1) ?? (int.TryParse(OptionValue(extraOptions, "--pids-limit"), NumberStyles.None, CultureInfo.InvariantCulture, out var pids) ? pids : null);
        var autoUpdate = reader.Raw("autoUpdate") switch
        {
            { ValueKind: JsonValueKind.True } => "registry",
            { ValueKind: JsonValueKind.String } text => text.GetString(),
            _ => null,
        } ?? labels.GetValueOrDefault("io.containers.autoupdate");

        // Read and known, used by NixOS itself: the unit's name, the image stream, the pull policy.
        reader.Ignore("serviceName", "imageStream", "pull", "workdir", "hostname", "capabilities");
        var container = new ContainerSpec
        {
            Name = source == ContainerSource.Inventory ? reader.String("name") : null,
            Image = image ?? "",
            ImageFile = reader.String("imageFile"),
            Ports = reader.Strings("ports"),
            Volumes = reader.Strings("volumes"),
            Environment = StringMap(reader, "environment"),
            EnvironmentFiles = reader.Strings("environmentFiles"),
            Labels = labels,
            ExtraOptions = extraOptions,
            Network = network,
            LogDriver = reader.String("log-driver") ?? "journald",
            User = reader.String("user"),
            AutoStart = reader.Bool("autoStart") ?? true,
            Command = reader.Strings("cmd"),
            Entrypoint = reader.String("entrypoint"),
            Devices = reader.Strings("devices"),
            Privileged = reader.Bool("privileged") ?? false,
            Memory = memory,
            Cpus = cpus,
            TasksMax = tasksMax,
            Restart = reader.String("restart") ?? "on-failure",
            AutoUpdate = autoUpdate,
            Secrets = Secrets(reader),
            SecretsDirectory = reader.String("secretsDir"),
            DataDirectory = reader.String("dataDir"),
            Source = source,
            SourcePath = reader.Path,
        };
        return container;
    }

    /// <summary>
    /// The containers of one flake configuration (the evaluation's <c>containers</c>: oci, flotilla,
    /// dagger), as services of <paramref name="host"/>. A <c>flotilla.containers</c> entry wins over
    /// the oci-containers entry it generates; a dagger service over nothing (its own module refuses
    /// an oci-containers twin).
    /// </summary>
    public static ImmutableArray<Service> FromConfiguration(JsonElement containers, string host, string configPath, DiagnosticBag diagnostics)
    {
        if (containers.ValueKind != JsonValueKind.Object)
        {
            return [];
        }

        var services = new Dictionary<string, Service>(StringComparer.Ordinal);
        if (containers.TryGetProperty("backend", out var backend) && backend.ValueKind == JsonValueKind.String && backend.GetString() is { } name and not "podman")
        {
            var hasAny = containers.TryGetProperty("oci", out var oci) && oci.ValueKind == JsonValueKind.Object && oci.EnumerateObject().Any();
            if (hasAny)
            {
                diagnostics.Warning(configPath + ".virtualisation.oci-containers.backend", $"the containers run with {name}; Flotilla deploys and checks them with podman",
                    "set virtualisation.oci-containers.backend = \"podman\" for Flotilla to manage them (they are read, and shown, either way)");
            }
        }

        if (containers.TryGetProperty("flotilla", out var flotilla))
        {
            foreach (var (entryName, reader) in Entries(flotilla, configPath + ".flotilla.containers", diagnostics))
            {
                if (reader.Bool("enable") == false)
                {
                    // Left out whole, as a disabled service is; its other options are not checked.
                    continue;
                }

                services[entryName] = FromFlotillaModule(entryName, host, reader);
            }
        }

        if (containers.TryGetProperty("oci", out var ociContainers))
        {
            foreach (var (entryName, reader) in Entries(ociContainers, configPath + ".virtualisation.oci-containers.containers", diagnostics))
            {
                if (services.ContainsKey(entryName))
                {
                    continue;
                }

                var container = Read(reader, ContainerSource.OciContainers) is { } read ? read with { Name = entryName } : null;
                services[entryName] = new Service
                {
                    Name = entryName,
                    Host = host,
                    DependsOn = reader.Strings("dependsOn"),
                    Container = container,
                    Origin = new Origin(diagnostics.File, reader.Path),
                };
                reader.ReportUnknown();
            }
        }

        if (containers.TryGetProperty("dagger", out var dagger) && dagger.ValueKind != JsonValueKind.Null && JsonObjectReader.Create(dagger, configPath + ".services.dagger", diagnostics, "services.dagger") is { } daggerReader)
        {
            DaggerReader.Read(daggerReader, host, services);
        }

        if (containers.TryGetProperty("units", out var units) && units.ValueKind == JsonValueKind.Object)
        {
            foreach (var (key, service) in services.ToList())
            {
                if (service.Container is { } container && UnitSettings(units, container.Name ?? key, configPath, diagnostics) is { } limited)
                {
                    services[key] = service with { Container = limited(container) };
                }
            }
        }

        if (containers.TryGetProperty("legacy", out var legacy) && legacy.ValueKind == JsonValueKind.Object)
        {
            foreach (var (key, service) in services.ToList())
            {
                if (service.Container is { } container && legacy.TryGetProperty(container.Name ?? key, out var twin) && twin.ValueKind == JsonValueKind.Object)
                {
                    services[key] = service with { Legacy = Legacy(container.Name ?? key, twin, configPath) };
                }
            }
        }

        return [.. services.Values];
    }

    /// <summary>
    /// The NixOS service a container replaces: <c>systemd.services.NAME</c> (the unit named as the
    /// container is), its data (<c>services.NAME.dataDir</c>, transmission's <c>home</c>, else the
    /// unit's <c>StateDirectory</c> under /var/lib), its user (the module's <c>user</c>/<c>group</c>,
    /// else the unit's <c>User</c>/<c>Group</c>) and its port (<c>port</c>, <c>listenPort</c>,
    /// <c>settings.server.port</c>, transmission's <c>settings.rpc-port</c>, else nixarr's default).
    /// </summary>
    private static LegacySpec Legacy(string name, JsonElement twin, string configPath)
    {
        static string? Text(JsonElement parent, params string[] path)
        {
            var value = parent;
            foreach (var key in path)
            {
                if (value.ValueKind != JsonValueKind.Object || !value.TryGetProperty(key, out value))
                {
                    return null;
                }
            }

            return value.ValueKind switch
            {
                JsonValueKind.String => value.GetString(),
                JsonValueKind.Number => value.GetRawText(),
                JsonValueKind.Array when value.GetArrayLength() > 0 && value[0].ValueKind == JsonValueKind.String => value[0].GetString(),
                _ => null,
            };
        }

        var data = Text(twin, "service", "dataDir") ?? Text(twin, "service", "home")
            ?? (Text(twin, "unit", "StateDirectory") is { } state ? "/var/lib/" + state.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0] : null);
        var user = Text(twin, "service", "user") ?? Text(twin, "unit", "User");
        var group = Text(twin, "service", "group") ?? Text(twin, "unit", "Group");
        var port = Text(twin, "service", "port") ?? Text(twin, "service", "listenPort") ?? Text(twin, "settings", "server", "port") ?? Text(twin, "settings", "rpc-port");
        int? number = int.TryParse(port, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var parsed) && parsed is > 0 and < 65536 ? parsed : DaggerReader.NixarrPort(name);
        return new LegacySpec
        {
            Unit = name + ".service",
            Ports = number is { } p ? [p] : [],
            DataDirectory = data,
            User = user is null ? null : group is null ? user : user + ":" + group,
            SourcePath = $"{configPath}.systemd.services.\"{name}\"",
        };
    }

    /// <summary>
    /// What the container's unit says of it: <c>systemd.services."podman-NAME".serviceConfig</c>
    /// (or seed 000's <c>dagger-automation-NAME</c>) <c>MemoryMax</c>, <c>CPUQuota</c>,
    /// <c>TasksMax</c> and <c>Restart</c>, as podman's own limits where the container has none.
    /// </summary>
    private static Func<ContainerSpec, ContainerSpec>? UnitSettings(JsonElement units, string name, string configPath, DiagnosticBag diagnostics)
    {
        var found = new[] { "podman-" + name, "dagger-automation-" + name }
            .Where(u => units.TryGetProperty(u, out var v) && v.ValueKind == JsonValueKind.Object && v.EnumerateObject().Any())
            .Select(u => (Unit: u, Reader: JsonObjectReader.Create(units.GetProperty(u), $"{configPath}.systemd.services.\"{u}\".serviceConfig", diagnostics, "serviceConfig")))
            .Where(u => u.Reader is not null)
            .ToList();
        if (found.Count == 0)
        {
            return null;
        }

        string? memory = null, cpus = null, restart = null;
        int? tasks = null;
        foreach (var (unit, reader) in found)
        {
            // systemd takes numbers and strings alike: 2147483648 or "2G", 1000 or "1000".
            if (Setting(reader!, "MemoryMax") is { } m && !m.Equals("infinity", StringComparison.OrdinalIgnoreCase))
            {
                memory ??= m;
            }

            if (Setting(reader!, "CPUQuota") is { } q)
            {
                if (q.EndsWith('%') && double.TryParse(q[..^1], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var percent) && percent > 0)
                {
                    cpus ??= (percent / 100).ToString("0.##", System.Globalization.CultureInfo.InvariantCulture);
                }
                else
                {
                    diagnostics.Warning(reader!.PathOf("CPUQuota"), $"CPUQuota \"{q}\" is not a percentage; the container gets no CPU limit from it", "write it as systemd does, e.g. \"200%\" for two CPUs");
                }
            }

            if (Setting(reader!, "TasksMax") is { } t && int.TryParse(t, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var count) && count > 0)
            {
                tasks ??= count;
            }

            if (unit.StartsWith("podman-", StringComparison.Ordinal))
            {
                restart ??= Setting(reader!, "Restart");
            }
        }

        return container => container with
        {
            Memory = container.Memory ?? memory,
            Cpus = container.Cpus ?? cpus,
            TasksMax = container.TasksMax ?? tasks,
            Restart = restart ?? container.Restart,
        };
    }

    private static string? Setting(JsonObjectReader reader, string key) => reader.Raw(key) switch
    {
        { ValueKind: JsonValueKind.String } value => value.GetString(),
        { ValueKind: JsonValueKind.Number } value => value.GetRawText(),
        _ => null,
    };

    /// <summary>Renames services that have a name another host's container has too, to <c>HOST/NAME</c>, and their in-host dependencies with them.</summary>
    public static ImmutableArray<Service> Qualify(ImmutableArray<Service> services, IEnumerable<string> otherServiceNames)
    {
        var counts = services.GroupBy(s => s.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        foreach (var other in otherServiceNames)
        {
            counts[other] = counts.GetValueOrDefault(other) + 1;
        }

        if (counts.Values.All(c => c == 1))
        {
            return services;
        }

        var byHost = services.GroupBy(s => s.Host, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Select(s => s.Name).ToHashSet(StringComparer.Ordinal), StringComparer.Ordinal);
        string Qualified(string host, string name) => counts.GetValueOrDefault(name) > 1 && byHost[host].Contains(name) ? host + "/" + name : name;
        return
        [
            .. services.Select(s => s with
            {
                Name = Qualified(s.Host, s.Name),
                DependsOn = [.. s.DependsOn.Select(d => Qualified(s.Host, d))],
            }),
        ];
    }

    private static Service FromFlotillaModule(string name, string host, JsonObjectReader reader)
    {
        var checks = ImmutableArray.CreateBuilder<HealthCheck>();
        foreach (var (_, item) in reader.Items("health", "health checks"))
        {
            if (HealthCheckReader.Read(item) is { } check)
            {
                checks.Add(check);
            }
        }

        var container = Read(reader, ContainerSource.FlotillaModule) is { } read ? read with { Name = name } : null;
        if (reader.Object("resources") is { } resources && container is not null)
        {
            container = container with
            {
                Memory = resources.String("memory") ?? container.Memory,
                Cpus = resources.String("cpus") ?? container.Cpus,
                TasksMax = resources.Int("tasksMax", 1) ?? container.TasksMax,
            };
            resources.ReportUnknown();
        }

        var service = new Service
        {
            Name = name,
            Host = host,
            DependsOn = reader.Strings("dependsOn"),
            HealthChecks = checks.ToImmutable(),
            Backup = ServicePartsReader.Backup(reader.Object("backup")),
            Container = container,
            Origin = new Origin(reader.Diagnostics.File, reader.Path),
        };
        reader.Ignore("enable", "tags");
        reader.ReportUnknown();
        return service;
    }

    private static IEnumerable<(string Name, JsonObjectReader Reader)> Entries(JsonElement value, string path, DiagnosticBag diagnostics)
    {
        if (JsonObjectReader.IsEvaluationError(value, path, diagnostics) || value.ValueKind != JsonValueKind.Object)
        {
            yield break;
        }

        foreach (var property in value.EnumerateObject())
        {
            if (JsonObjectReader.Create(property.Value, SourcePath.Child(path, property.Name), diagnostics, "a container") is { } reader)
            {
                yield return (property.Name, reader);
            }
        }
    }

    private static ImmutableArray<ContainerSecret> Secrets(JsonObjectReader reader)
    {
        var secrets = ImmutableArray.CreateBuilder<ContainerSecret>();
        foreach (var (name, secret) in reader.Entries("secrets", "secrets"))
        {
            var file = secret.String("file");
            var sopsKey = secret.String("sopsKey");
            var format = secret.Choice("format", Formats)
                ?? (sopsKey is not null ? SecretFormat.Sops : file?.EndsWith(".age", StringComparison.Ordinal) == true ? SecretFormat.Age : (SecretFormat?)null);
            if (file is null)
            {
                secret.Diagnostics.Error(secret.PathOf("file"), "a secret needs the file it comes from", "set file to an age-encrypted file (secrets/sonarr-api-key.age) or a SOPS file with sopsKey");
            }
            else if (format is null)
            {
                secret.Diagnostics.Error(secret.PathOf("format"), $"cannot tell how \"{file}\" is encrypted", "set format to \"age\", \"sops\" or \"plain\" (a file ending in .age is age, one with sopsKey is SOPS)");
            }

            var mode = secret.String("mode") ?? "0440";
            if (mode.Length is < 3 or > 4 || mode.Any(c => c is < '0' or > '7'))
            {
                secret.Diagnostics.Error(secret.PathOf("mode"), $"\"{mode}\" is not a file mode", "write it in octal, as \"0440\"");
            }

            secrets.Add(new ContainerSecret
            {
                Name = name,
                File = file ?? "",
                Format = format ?? SecretFormat.Age,
                SopsKey = sopsKey,
                Mode = mode,
                MountPath = secret.String("mountPath"),
                SourcePath = secret.Path,
            });
            secret.ReportUnknown();
        }

        return secrets.ToImmutable();
    }

    private static readonly IReadOnlyDictionary<string, SecretFormat> Formats = new Dictionary<string, SecretFormat>(StringComparer.Ordinal)
    {
        ["age"] = SecretFormat.Age,
        ["sops"] = SecretFormat.Sops,
        ["plain"] = SecretFormat.Plain,
    };

    public static ImmutableSortedDictionary<string, string> StringMap(JsonObjectReader reader, string key)
    {
        var map = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        if (reader.Object(key) is { } values)
        {
            foreach (var property in values.Element.EnumerateObject())
            {
                if (values.String(property.Name) is { } value)
                {
                    map[property.Name] = value;
                }
            }
        }

        return map.ToImmutable();
    }

    /// <summary><c>--network=host</c>, <c>--network host</c>, <c>--net=host</c>.</summary>
    private static string? NetworkOf(ImmutableArray<string> options) => OptionValue(options, "--network", "--net");

    private static string? OptionValue(ImmutableArray<string> options, params string[] names)
    {
        for (var i = 0; i < options.Length; i++)
        {
            foreach (var name in names)
            {
                if (options[i].StartsWith(name + "=", StringComparison.Ordinal))
                {
                    return options[i][(name.Length + 1)..];
                }

                if (options[i] == name && i + 1 < options.Length)
                {
                    return options[i + 1];
                }
            }
        }

        return null;
    }
}
