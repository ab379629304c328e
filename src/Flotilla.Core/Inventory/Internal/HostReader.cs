using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;

namespace Flotilla.Inventory.Internal;

/// <summary>Fleet-wide host defaults (the normalised shape's <c>defaults</c>).</summary>
internal sealed record HostDefaults(string User = "root", int Port = 22, Platform Platform = Platform.NixOS, DeployStrategy Strategy = DeployStrategy.Rolling);

/// <summary>
/// Reads host metadata in the normalised shape and in seed 002's <c>lab.machine</c> spelling
/// (<c>groups</c>, <c>dependencies</c>, <c>orchestration.{deployStrategy, rebootDelay, criticalityLevel}</c>),
/// so both <c>hosts.NAME</c> and <c>config.flotilla.machine</c>/<c>config.lab.machine</c> load here.
/// </summary>
internal static class HostReader
{
    public static (Host Host, ImmutableArray<Service> Services) Read(
        string name,
        JsonObjectReader? reader,
        Origin origin,
        HostDefaults defaults,
        string? configuredHostname,
        string? systemAttribute)
    {
        var hostname = configuredHostname ?? name;
        if (reader is null)
        {
            return (new Host
            {
                Name = name,
                Hostname = hostname,
                Target = new Target(hostname, defaults.User, defaults.Port),
                Platform = defaults.Platform,
                DeployStrategy = defaults.Strategy,
                SystemAttribute = systemAttribute,
                Origin = origin,
            }, []);
        }

        var fields = origin.FieldNames;
        var system = SystemSources.ReadSystem(reader, origin.File);
        hostname = reader.String("hostname") ?? hostname;
        var target = ReadTarget(reader, hostname, defaults);

        var tags = reader.Strings("tags");
        if (reader.Has("groups"))
        {
            tags = tags.AddRange(reader.Strings("groups"));
            fields = fields.SetItem("tags", "groups");
        }
        else
        {
            reader.Ignore("groups");
        }

        var dependsOn = reader.Strings("dependsOn");
        if (reader.Has("dependencies"))
        {
            dependsOn = dependsOn.AddRange(reader.Strings("dependencies"));
            fields = fields.SetItem("dependsOn", "dependencies");
        }
        else
        {
            reader.Ignore("dependencies");
        }

        var strategy = reader.Choice("deployStrategy", Choices.Strategies);
        var rebootDelay = reader.Duration("rebootDelay");
        var criticality = reader.Choice("criticality", Choices.Criticalities);
        if (reader.Object("orchestration") is { } orchestration)
        {
            strategy ??= orchestration.Choice("deployStrategy", Choices.Strategies);
            if (orchestration.Has("rebootDelay"))
            {
                fields = fields.SetItem("rebootDelay", "orchestration.rebootDelay");
            }

            rebootDelay ??= orchestration.Duration("rebootDelay");
            criticality ??= orchestration.Choice("criticalityLevel", Choices.Criticalities);
            orchestration.ReportUnknown();
        }

        var checks = ImmutableArray.CreateBuilder<HealthCheck>();
        foreach (var (_, item) in reader.Items("healthChecks", "health checks"))
        {
            if (HealthCheckReader.Read(item) is { } check)
            {
                checks.Add(check);
            }
        }

        var host = new Host
        {
            Name = name,
            Hostname = hostname,
            Target = target,
            Platform = reader.Choice("platform", Choices.Platforms) ?? defaults.Platform,
            Role = reader.String("role"),
            Tags = tags,
            RebootOrder = reader.Int("rebootOrder"),
            RebootDelay = rebootDelay ?? TimeSpan.Zero,
            DependsOn = dependsOn,
            HealthChecks = checks.ToImmutable(),
            DeployStrategy = strategy ?? defaults.Strategy,
            Criticality = criticality ?? Criticality.Medium,
            BuildOnTarget = reader.Bool("buildOnTarget") ?? false,
            BuildHost = reader.String("buildHost"),
            Transport = reader.Choice("transport", Choices.Transports) ?? HostTransport.Auto,
            Cache = Cache(reader),
            PullFrom = PullFrom(reader),
            Keys = KeyReader.ReadAll(reader, "keys"),
            Storage = Storage(reader),
            SystemAttribute = system.Attribute ?? (system.File is null ? systemAttribute : null),
            SystemFile = system.File,
            Origin = origin with { FieldNames = reader.KeyParents is null ? fields : Layered(fields, reader.KeyParents, origin.Path) },
        };

        var services = ImmutableArray.CreateBuilder<Service>();
        foreach (var (serviceName, serviceReader) in reader.Entries("services", "services"))
        {
            if (ServiceReader.Read(serviceName, serviceReader, name) is { } service)
            {
                services.Add(service);
            }
        }

        reader.ReportUnknown();
        return (host, services.ToImmutable());
    }

    /// <summary><c>cache: "file:///srv/cache"</c>: a Nix store URL (scheme://...), as <c>nix copy --from</c> takes it.</summary>
    private static string? Cache(JsonObjectReader reader)
    {
        var cache = reader.String("cache");
        if (cache is not null && !System.Text.RegularExpressions.Regex.IsMatch(cache, "^[a-z][a-z0-9+.-]*://[^\\s]+$"))
        {
            reader.Diagnostics.Error(reader.PathOf("cache"), $"\"{cache}\" is not a Nix store URL", "write the binary cache the host fetches from, e.g. \"file:///srv/cache\", \"ssh://cache.lan\" or \"https://cache.example.org\"");
            return null;
        }

        return cache;
    }

    /// <summary><c>pullFrom: "git+https://git.lan/fleet"</c>: a flake URL (scheme:..., no revision: the run adds its own).</summary>
    private static string? PullFrom(JsonObjectReader reader)
    {
        var url = reader.String("pullFrom");
        if (url is null)
        {
            return null;
        }

        if (!System.Text.RegularExpressions.Regex.IsMatch(url, "^[a-z][a-z0-9+.-]*:[^\\s#]+$") || url.Contains("rev=", StringComparison.Ordinal) || url.Contains("ref=", StringComparison.Ordinal))
        {
            reader.Diagnostics.Error(reader.PathOf("pullFrom"), $"\"{url}\" is not a flake URL without a revision", "write where the host fetches the fleet's flake, e.g. \"git+https://git.lan/fleet\" or \"git+file:///srv/fleet\" (no #attribute, rev or ref: each run builds its own revision)");
            return null;
        }

        return url;
    }

    /// <summary><c>storage: { "/fun": { "warning": 80, "critical": 90 } }</c>: watched paths, percentages 1-100, warning below critical.</summary>
    private static ImmutableArray<Contracts.StorageThreshold> Storage(JsonObjectReader reader)
    {
        var thresholds = ImmutableArray.CreateBuilder<Contracts.StorageThreshold>();
        foreach (var (path, entry) in reader.Entries("storage", "storage"))
        {
            var warning = entry.Int("warning", 1, 100) ?? (int)Contracts.StorageThreshold.DefaultWarning;
            var critical = entry.Int("critical", 1, 100) ?? (int)Contracts.StorageThreshold.DefaultCritical;
            entry.ReportUnknown();
            if (!path.StartsWith('/'))
            {
                reader.Diagnostics.Error(entry.Path, $"storage path \"{path}\" is not absolute", "name the mount point or directory, e.g. \"/fun\"");
                continue;
            }

            if (warning >= critical)
            {
                reader.Diagnostics.Error(entry.Path, $"the warning threshold {warning}% is not below the critical one {critical}%", "make warning the lower percentage, e.g. 80 and 90");
                continue;
            }

            thresholds.Add(new Contracts.StorageThreshold(path, warning, critical));
        }

        return thresholds.ToImmutable();
    }

    private static readonly string[] ModelFields =
    [
        "hostname", "target", "platform", "role", "tags", "rebootOrder", "rebootDelay", "dependsOn", "healthChecks",
        "deployStrategy", "criticality", "buildOnTarget", "buildHost", "transport", "cache", "pullFrom", "keys", "system", "services",
    ];

    /// <summary>For metadata merged from lab.machine and flotilla.machine: each field's path below the config.</summary>
    private static ImmutableDictionary<string, string> Layered(ImmutableDictionary<string, string> fields, IReadOnlyDictionary<string, string> parents, string basePath)
    {
        var result = fields;
        foreach (var field in ModelFields)
        {
            var spelled = fields.TryGetValue(field, out var name) ? name : field;
            var top = spelled.Split('.')[0];
            if (parents.TryGetValue(top, out var parent) && parent.StartsWith(basePath + ".", StringComparison.Ordinal))
            {
                result = result.SetItem(field, parent[(basePath.Length + 1)..] + "." + spelled);
            }
        }

        return result;
    }

    public static HostDefaults ReadDefaults(JsonObjectReader? reader)
    {
        if (reader is null)
        {
            return new HostDefaults();
        }

        var defaults = new HostDefaults(
            reader.String("user") ?? "root",
            reader.Int("port", 1, 65535) ?? 22,
            reader.Choice("platform", Choices.Platforms) ?? Platform.NixOS,
            reader.Choice("deployStrategy", Choices.Strategies) ?? DeployStrategy.Rolling);
        reader.ReportUnknown();
        return defaults;
    }

    private static Target ReadTarget(JsonObjectReader reader, string hostname, HostDefaults defaults)
    {
        if (reader.Raw("target") is not { } value)
        {
            return new Target(hostname, defaults.User, defaults.Port);
        }

        var path = reader.PathOf("target");
        if (value.ValueKind == JsonValueKind.String)
        {
            if (TryParseDestination(value.GetString()!, defaults, out var parsed))
            {
                return parsed;
            }

            reader.Diagnostics.Error(path, $"\"{value.GetString()}\" is not an SSH destination", "write it as \"address\", \"user@address\" or \"user@address:port\"");
            return new Target(hostname, defaults.User, defaults.Port);
        }

        if (JsonObjectReader.Create(value, path, reader.Diagnostics, "a target") is not { } target)
        {
            return new Target(hostname, defaults.User, defaults.Port);
        }

        var result = new Target(
            target.String("address") ?? hostname,
            target.String("user") ?? defaults.User,
            target.Int("port", 1, 65535) ?? defaults.Port);
        target.ReportUnknown();
        return result;
    }

    /// <summary>Parses <c>address</c>, <c>user@address</c>, <c>user@address:port</c> and <c>[v6]:port</c>.</summary>
    internal static bool TryParseDestination(string text, HostDefaults defaults, out Target target)
    {
        target = new Target(text, defaults.User, defaults.Port);
        var user = defaults.User;
        var rest = text;
        var at = text.LastIndexOf('@');
        if (at >= 0)
        {
            user = text[..at];
            rest = text[(at + 1)..];
        }

        var port = defaults.Port;
        var address = rest;
        if (rest.StartsWith('['))
        {
            var close = rest.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                return false;
            }

            address = rest[1..close];
            var tail = rest[(close + 1)..];
            if (tail.Length > 0 && (!tail.StartsWith(':') || !int.TryParse(tail[1..], NumberStyles.None, CultureInfo.InvariantCulture, out port)))
            {
                return false;
            }
        }
        else if (rest.Count(c => c == ':') == 1)
        {
            var colon = rest.IndexOf(':', StringComparison.Ordinal);
            address = rest[..colon];
            if (!int.TryParse(rest[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out port))
            {
                return false;
            }
        }

        if (user.Length == 0 || address.Length == 0 || port is < 1 or > 65535)
        {
            return false;
        }

        target = new Target(address, user, port);
        return true;
    }
}
