using System.Collections.Immutable;
using System.Text.Json;

namespace Flotilla.Inventory.Internal;

/// <summary>
/// Reads a service's proxy, db/dbs, auth, terraform, backup and container parts; one spelling for
/// every source. The proxy and database keys are NixMox's, as its Caddy and PostgreSQL modules
/// read them (devnullvoid/nixmox, nixos/modules).
/// </summary>
internal static class ServicePartsReader
{
    /// <summary>The backup tools Flotilla drives.</summary>
    public static readonly ImmutableArray<string> BackupTools = ["restic", "kopia"];

    /// <summary>
    /// <c>proxy</c>: one entry (<c>{ domain; path; upstream; }</c>) or several named ones
    /// (<c>{ grafana = { domain; ... }; ... }</c>). As NixMox's Caddy module decides it: an
    /// attribute set without <c>domain</c> whose values are all attribute sets holds named entries.
    /// </summary>
    public static ImmutableArray<ProxySpec> Proxies(JsonObjectReader parent, string key)
    {
        if (parent.Raw(key) is not { } value)
        {
            return [];
        }

        if (value.ValueKind == JsonValueKind.Object && !value.TryGetProperty("domain", out _) && IsNamedEntries(value))
        {
            var proxies = ImmutableArray.CreateBuilder<ProxySpec>();
            foreach (var (name, entry) in parent.Entries(key, "proxy entries"))
            {
                proxies.Add(Proxy(entry, name));
            }

            return proxies.ToImmutable();
        }

        return parent.Object(key) is { } single ? [Proxy(single, null)] : [];
    }

    private static bool IsNamedEntries(JsonElement value)
    {
        var any = false;
        foreach (var property in value.EnumerateObject())
        {
            if (property.Value.ValueKind != JsonValueKind.Object)
            {
                return false;
            }

            any = true;
        }

        return any;
    }

    private static ProxySpec Proxy(JsonObjectReader reader, string? name)
    {
        var domain = reader.String("domain");
        if (domain is null)
        {
            reader.Diagnostics.Error(reader.PathOf("domain"), "a proxy entry needs a domain", "set domain, for example \"app.example.lan\"");
        }

        var headers = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        if (reader.Object("headers") is { } h)
        {
            foreach (var property in h.Element.EnumerateObject())
            {
                if (h.String(property.Name) is { } header)
                {
                    headers[property.Name] = header;
                }
            }
        }

        var proxy = new ProxySpec
        {
            Name = name,
            Domain = domain ?? "",
            Path = reader.String("path") ?? "/",
            Upstream = reader.String("upstream"),
            Port = reader.Int("port", 1, 65535),
            Tls = reader.Bool("tls") ?? true,
            Authz = reader.Bool("authz") ?? false,
            Aliases = reader.Strings("aliases"),
            Headers = headers.ToImmutable(),
            ExtraConfig = reader.String("extra_config"),
            Auth = Auth(reader.Object("auth")),
            SourcePath = reader.Path,
        };
        reader.ReportUnknown();
        return proxy;
    }

    /// <summary>A service's <c>db</c> and the entries of its <c>dbs</c>, in that order.</summary>
    public static ImmutableArray<DatabaseSpec> Databases(JsonObjectReader parent, string serviceName)
    {
        var databases = ImmutableArray.CreateBuilder<DatabaseSpec>();
        if (parent.Object("db") is { } single)
        {
            databases.Add(Database(single, null, serviceName));
        }

        foreach (var (key, entry) in parent.Entries("dbs", "database entries"))
        {
            databases.Add(Database(entry, key, key));
        }

        return databases.ToImmutable();
    }

    /// <summary>
    /// One database. As NixMox's PostgreSQL module reads it, the name and owner default to the
    /// entry's key (the service's name for <c>db</c>); <c>database</c> and <c>role</c> are the
    /// orchestrator document's spellings of the same.
    /// </summary>
    private static DatabaseSpec Database(JsonObjectReader reader, string? key, string defaultName)
    {
        var name = reader.String("name") ?? reader.String("database") ?? defaultName;
        if (reader.Has("password"))
        {
            reader.Ignore("password");
            reader.Diagnostics.Warning(reader.PathOf("password"), "a password written in the inventory ends up in the Nix store, readable by every user of the machines that evaluate it; Flotilla does not read it",
                "keep the password in a secret (NixMox: the SOPS secret <service>/database_password) and remove it here");
        }

        var database = new DatabaseSpec
        {
            Key = key,
            Name = name,
            Host = reader.String("host"),
            Owner = reader.String("owner") ?? reader.String("role") ?? name,
            Port = reader.Int("port", 1, 65535),
            Mode = reader.String("mode") ?? "standalone",
            Extensions = reader.Strings("extensions"),
            AdditionalDatabases = reader.Strings("additionaldbs"),
            Superuser = reader.Bool("superuser") ?? false,
            Migrations = reader.Strings("migrations"),
            SourcePath = reader.Path,
        };
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
            reader.Diagnostics.Error(reader.PathOf("type"), "an auth entry needs a type", "set type, for example \"oidc\" or \"forward_auth\"");
        }

        OidcSpec? oidc = null;
        if (reader.Object("oidc") is { } o)
        {
            oidc = new OidcSpec
            {
                ClientId = o.String("client_id"),
                ClientType = o.String("client_type"),
                RedirectUris = o.Strings("redirect_uris"),
                Scopes = o.Strings("scopes"),
                UsernameClaim = o.String("username_claim"),
                GroupsClaim = o.String("groups_claim"),
            };
            o.ReportUnknown();
        }

        var auth = new AuthSpec
        {
            Type = type ?? "",
            Provider = reader.String("provider"),
            Oidc = oidc,
            ForwardAuthUpstream = reader.String("forward_auth_upstream"),
            SourcePath = reader.Path,
        };
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
            ApplyOrder = reader.Strings("apply_order"),
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

        var tool = reader.String("tool") ?? "restic";
        if (!BackupTools.Contains(tool))
        {
            reader.Diagnostics.Error(reader.PathOf("tool"), $"Flotilla does not drive the backup tool \"{tool}\"",
                $"use one of {string.Join(", ", BackupTools.Select(t => "\"" + t + "\""))}, or back this service up outside Flotilla and remove its backup part");
        }

        var backup = new BackupSpec
        {
            Paths = reader.Strings("paths"),
            Tool = tool,
            Repository = reader.String("repository"),
            Schedule = reader.String("schedule"),
            PasswordKey = reader.String("passwordKey"),
            PasswordFile = reader.String("passwordFile"),
            Exclude = reader.Strings("exclude"),
            Stop = reader.Bool("stop") ?? false,
            Before = reader.String("before"),
            After = reader.String("after"),
        };
        if (reader.Object("keep") is { } keep)
        {
            backup = backup with { KeepDaily = keep.Int("daily", 0), KeepWeekly = keep.Int("weekly", 0), KeepMonthly = keep.Int("monthly", 0) };
            keep.ReportUnknown();
        }

        reader.ReportUnknown();
        return backup;
    }

    public static LegacySpec? Legacy(JsonObjectReader? reader)
    {
        if (reader is null)
        {
            return null;
        }

        var unit = reader.String("unit");
        if (unit is null)
        {
            reader.Diagnostics.Error(reader.PathOf("unit"), "a legacy part names the systemd unit of the service the container replaces",
                "set legacy.unit (for example \"sonarr.service\"), or remove the legacy part");
        }

        var checks = ImmutableArray.CreateBuilder<HealthCheck>();
        foreach (var (_, item) in reader.Items("healthChecks", "health checks"))
        {
            if (HealthCheckReader.Read(item) is { } check)
            {
                checks.Add(check);
            }
        }

        var legacy = new LegacySpec
        {
            Unit = unit ?? "",
            Ports = reader.Ints("ports", 1, 65535),
            DataDirectory = reader.String("dataDir"),
            User = reader.String("user"),
            HealthChecks = checks.ToImmutable(),
            SourcePath = reader.Path,
        };
        reader.ReportUnknown();
        return legacy;
    }

    public static ContainerSpec? Container(JsonObjectReader? reader)
    {
        if (reader is null)
        {
            return null;
        }

        var container = ContainerReader.Read(reader, ContainerSource.Inventory);
        reader.ReportUnknown();
        return container;
    }
}
