using System.Collections.Immutable;
using System.Text.Json;

namespace Flotilla.Inventory.Internal;

/// <summary>Reads a service's proxy, db, auth, terraform, backup and container parts; one spelling for every source.</summary>
internal static class ServicePartsReader
{
    public static ProxySpec? Proxy(JsonObjectReader? reader)
    {
        if (reader is null)
        {
            return null;
        }

        var domain = reader.String("domain");
        if (domain is null)
        {
            reader.Diagnostics.Error(reader.PathOf("domain"), "a proxy entry needs a domain", "set domain, for example \"app.example.lan\"");
        }

        var proxy = new ProxySpec
        {
            Domain = domain ?? "",
            Path = reader.String("path") ?? "/",
            Upstream = reader.String("upstream"),
            Tls = reader.Bool("tls") ?? true,
            Authz = reader.Bool("authz") ?? false,
        };
        reader.ReportUnknown();
        return proxy;
    }

    public static DatabaseSpec? Database(JsonObjectReader? reader)
    {
        if (reader is null)
        {
            return null;
        }

        var name = reader.String("name");
        if (name is null)
        {
            reader.Diagnostics.Error(reader.PathOf("name"), "a database entry needs a name", "set name to the database's name");
        }

        var database = new DatabaseSpec { Name = name ?? "", Port = reader.Int("port", 1, 65535), Mode = reader.String("mode") ?? "standalone" };
        reader.ReportUnknown();
        return database;
    }

    public static AuthSpec? Auth(JsonObjectReader? reader)
    {
        if (reader is null)
        {
            return null;
        }

        var type = reader.String("type");
        if (type is null)
        {
            reader.Diagnostics.Error(reader.PathOf("type"), "an auth entry needs a type", "set type, for example \"oidc\"");
        }

        OidcSpec? oidc = null;
        if (reader.Object("oidc") is { } o)
        {
            oidc = new OidcSpec
            {
                RedirectUris = o.Strings("redirect_uris"),
                Scopes = o.Strings("scopes"),
                UsernameClaim = o.String("username_claim"),
                GroupsClaim = o.String("groups_claim"),
            };
            o.ReportUnknown();
        }

        var auth = new AuthSpec { Type = type ?? "", Provider = reader.String("provider"), Oidc = oidc };
        reader.ReportUnknown();
        return auth;
    }

    public static TerraformSpec? Terraform(JsonObjectReader? reader)
    {
        if (reader is null)
        {
            return null;
        }

        var variables = ImmutableSortedDictionary.CreateBuilder<string, JsonElement>(StringComparer.Ordinal);
        if (reader.Object("variables") is { } vars)
        {
            foreach (var property in vars.Element.EnumerateObject())
            {
                variables[property.Name] = property.Value.Clone();
            }
        }

        var terraform = new TerraformSpec
        {
            Modules = reader.Strings("modules"),
            Targets = reader.Strings("targets"),
            Variables = variables.ToImmutable(),
        };
        reader.ReportUnknown();
        return terraform;
    }

    public static BackupSpec? Backup(JsonObjectReader? reader)
    {
        if (reader is null)
        {
            return null;
        }

        var backup = new BackupSpec
        {
            Paths = reader.Strings("paths"),
            Tool = reader.String("tool") ?? "restic",
            Repository = reader.String("repository"),
            Schedule = reader.String("schedule"),
            PasswordKey = reader.String("passwordKey"),
            Exclude = reader.Strings("exclude"),
        };
        reader.ReportUnknown();
        return backup;
    }

    public static ContainerSpec? Container(JsonObjectReader? reader)
    {
        if (reader is null)
        {
            return null;
        }

        var image = reader.String("image");
        if (image is null)
        {
            reader.Diagnostics.Error(reader.PathOf("image"), "a container needs an image", "set image, for example \"lscr.io/linuxserver/sonarr:latest\"");
        }

        var environment = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        if (reader.Object("environment") is { } env)
        {
            foreach (var property in env.Element.EnumerateObject())
            {
                if (env.String(property.Name) is { } value)
                {
                    environment[property.Name] = value;
                }
            }
        }

        var container = new ContainerSpec
        {
            Image = image ?? "",
            Ports = reader.Strings("ports"),
            Volumes = reader.Strings("volumes"),
            Environment = environment.ToImmutable(),
            EnvironmentFiles = reader.Strings("environmentFiles"),
            User = reader.String("user"),
            Memory = reader.String("memory"),
            Cpus = reader.String("cpus"),
            Restart = reader.String("restart") ?? "on-failure",
        };
        reader.ReportUnknown();
        return container;
    }
}
