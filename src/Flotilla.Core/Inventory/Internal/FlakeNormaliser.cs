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

    public static Fleet Normalise(JsonElement root, string file, string flakeDirectory)
    {
        var diagnostics = new DiagnosticBag(file);
        var hosts = ImmutableArray.CreateBuilder<Host>();
        var services = ImmutableArray.CreateBuilder<Service>();
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
                string? hostname = null;
                if (value.TryGetProperty("hostName", out var hn) && hn.ValueKind == JsonValueKind.String)
                {
                    hostname = hn.GetString();
                }

                JsonObjectReader? metadata = null;
                var metadataPath = basePath + ".config";
                foreach (var option in new[] { "flotilla", "lab" })
                {
                    if (value.TryGetProperty(option, out var meta) && meta.ValueKind != JsonValueKind.Null)
                    {
                        var path = metadataPath + "." + option + ".machine";
                        if (metadata is not null)
                        {
                            diagnostics.Warning(path, "both flotilla.machine and lab.machine are set; flotilla.machine is used", "keep one of them");
                            continue;
                        }

                        metadata = JsonObjectReader.Create(meta, path, diagnostics, "host metadata");
                    }
                }

                var defaults = new HostDefaults(User: user, Platform: platform);
                var origin = new Origin(file, metadata?.Path ?? basePath);
                var (host, nested) = HostReader.Read(name, metadata, origin, defaults, hostname, SourcePath.Child(output, configuration.Name) + "." + system);
                hosts.Add(host);
                services.AddRange(nested);
            }
        }

        return new Fleet
        {
            SourcePath = file,
            Format = InventoryFormat.Flake,
            Hosts = hosts.ToImmutable(),
            Services = services.ToImmutable(),
            FlakeDirectory = flakeDirectory,
            Diagnostics = diagnostics.ToImmutable(),
        };
    }
}
