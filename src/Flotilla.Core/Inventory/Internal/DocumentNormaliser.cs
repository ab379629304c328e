using System.Collections.Immutable;
using System.Text.Json;

namespace Flotilla.Inventory.Internal;

/// <summary>Turns a JSON or YAML document in the normalised shape (docs/inventory.md) into a <see cref="Fleet"/>.</summary>
internal static class DocumentNormaliser
{
    public static Fleet Normalise(JsonElement root, string file, InventoryFormat format)
    {
        var diagnostics = new DiagnosticBag(file);
        var hosts = ImmutableArray.CreateBuilder<Host>();
        var services = ImmutableArray.CreateBuilder<Service>();
        NetworkSettings? network = null;
        string? flake = null;
        var deployment = new DeploymentSettings();
        if (JsonObjectReader.Create(root, "", diagnostics, "an inventory") is { } reader)
        {
            reader.Ignore("$schema");
            flake = SystemSources.ReadFlake(reader, file);
            if (reader.Int("version") is { } version && version != 1)
            {
                diagnostics.Error(reader.PathOf("version"), $"inventory format version {version} is not known", "this Flotilla reads version 1");
            }

            var defaults = HostReader.ReadDefaults(reader.Object("defaults"));
            network = NetworkReader.ReadNormalised(reader.Object("network"));
            deployment = ReadDeployment(reader.Object("deployment"));
            foreach (var (name, hostReader) in reader.Entries("hosts", "hosts"))
            {
                var (host, nested) = HostReader.Read(name, hostReader, new Origin(file, hostReader.Path), defaults, null, null);
                hosts.Add(host);
                services.AddRange(nested);
            }

            foreach (var (name, serviceReader) in reader.Entries("services", "services"))
            {
                if (ServiceReader.Read(name, serviceReader, null) is { } service)
                {
                    services.Add(service);
                }
            }

            reader.ReportUnknown();
        }

        return new Fleet
        {
            SourcePath = file,
            Format = format,
            Hosts = hosts.ToImmutable(),
            Services = services.ToImmutable(),
            Network = network,
            FlakeDirectory = flake,
            Deployment = deployment,
            Diagnostics = diagnostics.ToImmutable(),
        };
    }

    /// <summary><c>deployment</c>: <c>healthTimeout</c> and <c>rollbackOnFailure</c> (NixMox's <c>health_check_timeout</c>, <c>enable_rollback</c>).</summary>
    private static DeploymentSettings ReadDeployment(JsonObjectReader? reader)
    {
        if (reader is null)
        {
            return new DeploymentSettings();
        }

        var settings = new DeploymentSettings
        {
            HealthTimeout = reader.Duration("healthTimeout"),
            RollbackOnFailure = reader.Bool("rollbackOnFailure") ?? true,
        };
        reader.ReportUnknown();
        return settings;
    }
}
