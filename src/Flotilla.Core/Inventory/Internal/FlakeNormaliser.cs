using System.Collections.Immutable;
using System.Text.Json;

namespace Flotilla.Inventory.Internal;

/// <summary>
/// Turns the one evaluation of a flake's configurations (see <see cref="FlakeExpression"/>) into a
/// <see cref="Fleet"/>: every nixos, darwin and home-manager configuration is a host; its
/// <c>flotilla.machine</c> (or seed 002's <c>lab.machine</c>) metadata fills it in.
/// </summary>
internal static class FlakeNormaliser
{
    private static readonly (string Section, string Output, Platform Platform, string System)[] Sections =
    [
        ("nixos", "nixosConfigurations", Platform.NixOS, "config.system.build.toplevel"),
        ("darwin", "darwinConfigurations", Platform.Darwin, "config.system.build.toplevel"),
        ("home", "homeConfigurations", Platform.HomeManager, "activationPackage"),
    ];

    /// <summary>
    /// <c>lab.machine</c> (seed 002) and <c>flotilla.machine</c> may both be set: the seed's module
    /// declares no target, so <c>flotilla.machine</c> adds to it and wins where both set a key.
    /// </summary>
    private static JsonObjectReader? ReadMetadata(JsonElement configuration, string configPath, DiagnosticBag diagnostics)
    {
        var layers = new List<(JsonElement Value, string Path)>();
        foreach (var option in new[] { "lab", "flotilla" })
        {
            if (configuration.TryGetProperty(option, out var meta) && meta.ValueKind != JsonValueKind.Null)
            {
                var path = configPath + "." + option + ".machine";
                if (JsonObjectReader.Create(meta, path, diagnostics, "host metadata") is not null)
                {
                    layers.Add((meta, path));
                }
            }
        }

        switch (layers.Count)
        {
            case 0:
                return null;
            case 1:
                // Key parents even for one layer: the host's origin is then the configuration's
                // `config`, so paths outside the metadata (networking.hostName) can be named too.
                var (only, onlyPath) = layers[0];
                return new JsonObjectReader(only, onlyPath, diagnostics)
                {
                    KeyParents = only.EnumerateObject().ToDictionary(p => p.Name, _ => onlyPath, StringComparer.Ordinal),
                };
        }

        var parents = new Dictionary<string, string>(StringComparer.Ordinal);
        var merged = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var (value, path) in layers)
        {
            foreach (var property in value.EnumerateObject())
            {
                merged[property.Name] = property.Value;
                parents[property.Name] = path;
            }
        }

        var element = JsonSerializer.SerializeToElement(merged, FlakeJsonContext.Default.DictionaryStringJsonElement);
        return new JsonObjectReader(element, layers[^1].Path, diagnostics) { KeyParents = parents };
    }

    public static Fleet Normalise(JsonElement root, string file, string flakeDirectory)
    {
        var diagnostics = new DiagnosticBag(file);
        var hosts = ImmutableArray.CreateBuilder<Host>();
        var services = ImmutableArray.CreateBuilder<Service>();
        var containers = ImmutableArray.CreateBuilder<Service>();
        foreach (var (section, output, platform, system) in Sections)
        {
            if (!root.TryGetProperty(section, out var configurations) || configurations.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            foreach (var configuration in configurations.EnumerateObject())
            {
                var basePath = SourcePath.Child(output, configuration.Name);
                var name = configuration.Name;
                var user = "root";
                if (platform == Platform.HomeManager && name.IndexOf('@', StringComparison.Ordinal) is var at and > 0)
                {
                    user = name[..at];
                    name = name[(at + 1)..];
                }

                var value = configuration.Value;
                var metadataPath = basePath + ".config";
                string? hostname = null;
                if (value.TryGetProperty("hostName", out var hn) && !JsonObjectReader.IsEvaluationError(hn, metadataPath + ".networking.hostName", diagnostics)
                    && hn.ValueKind == JsonValueKind.String)
                {
                    hostname = hn.GetString();
                }

                var metadata = ReadMetadata(value, metadataPath, diagnostics);
                var defaults = new HostDefaults(User: user, Platform: platform);
                var origin = new Origin(file, metadata is null ? basePath : metadataPath);
                if (metadata is null || !metadata.Has("hostname"))
                {
                    // The hostname is networking.hostName's (or, where that is not set, where it
                    // would be), and so is the address when no target names one.
                    var spelled = metadata is null ? "config.networking.hostName" : "networking.hostName";
                    origin = origin.WithFieldName("hostname", spelled);
                    if (metadata is null || !metadata.Has("target"))
                    {
                        origin = origin.WithFieldName("target", spelled);
                    }
                }

                var (host, nested) = HostReader.Read(name, metadata, origin, defaults, hostname, SourcePath.Child(output, configuration.Name) + "." + system);
                hosts.Add(host);
                services.AddRange(nested);
                if (value.TryGetProperty("containers", out var declared))
                {
                    foreach (var container in ContainerReader.FromConfiguration(declared, host.Name, metadataPath, diagnostics))
                    {
                        // A service the metadata declares with the container's name is that container's service.
                        var index = -1;
                        for (var i = 0; i < services.Count && index < 0; i++)
                        {
                            index = services[i].Host == host.Name && services[i].Name == container.Name ? i : -1;
                        }

                        if (index < 0)
                        {
                            containers.Add(container);
                        }
                        else if (services[index].Container is null)
                        {
                            services[index] = services[index] with
                            {
                                Container = container.Container,
                                DependsOn = services[index].DependsOn.IsEmpty ? container.DependsOn : services[index].DependsOn,
                                HealthChecks = services[index].HealthChecks.IsEmpty ? container.HealthChecks : services[index].HealthChecks,
                                Backup = services[index].Backup ?? container.Backup,
                            };
                        }
                    }
                }
            }
        }

        return new Fleet
        {
            SourcePath = file,
            Format = InventoryFormat.Flake,
            Hosts = hosts.ToImmutable(),
            Services = [.. services, .. ContainerReader.Qualify(containers.ToImmutable(), services.Select(s => s.Name))],
            FlakeDirectory = flakeDirectory,
            Diagnostics = diagnostics.ToImmutable(),
        };
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, JsonElement>))]
internal sealed partial class FlakeJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
