using System.Collections.Immutable;
using Flotilla.Inventory;
using Flotilla.Inventory.Internal;

namespace Flotilla.Tests;

/// <summary>Builds fleets in the normalised JSON shape (<c>hosts.NAME</c>, <c>services.NAME</c>) for tests.</summary>
internal sealed class TestFleet
{
    public const string File = "fleet.json";

    private readonly List<Host> _hosts = [];
    private readonly List<Service> _services = [];
    private int _address = 1;

    public TestFleet Host(string name, params string[] dependsOn) => Host(name, h => h with { DependsOn = [.. dependsOn] });

    public TestFleet Host(string name, Func<Host, Host> configure)
    {
        var address = _address++;
        _hosts.Add(configure(new Host
        {
            Name = name,
            Hostname = name,
            Target = new Target($"10.0.{address / 250}.{address % 250 + 1}"),
            Origin = new Origin(File, SourcePath.Child("hosts", name)),
        }));
        return this;
    }

    public TestFleet Core(string name, string host, params string[] dependsOn) => Service(name, host, ServiceTier.Core, dependsOn);

    public TestFleet App(string name, string host, params string[] dependsOn) => Service(name, host, ServiceTier.App, dependsOn);

    public TestFleet Service(string name, string host, ServiceTier tier, string[] dependsOn, Func<Service, Service>? configure = null)
    {
        var service = new Service
        {
            Name = name,
            Host = host,
            Tier = tier,
            DependsOn = [.. dependsOn],
            Origin = new Origin(File, SourcePath.Child("services", name)),
        };
        _services.Add(configure is null ? service : configure(service));
        return this;
    }

    /// <summary>Changes the last service added.</summary>
    public TestFleet With(Func<Service, Service> configure)
    {
        _services[^1] = configure(_services[^1]);
        return this;
    }

    public Fleet Build() => new()
    {
        SourcePath = File,
        Format = InventoryFormat.Json,
        Hosts = [.. _hosts],
        Services = [.. _services],
    };

    /// <summary>A host per service, like a NixMox manifest: core postgresql, dns, caddy, authentik; apps vaultwarden and guacamole with terraform.</summary>
    public static Fleet NixMox()
    {
        var terraform = new TerraformSpec { Modules = ["./terraform/app"] };
        var auth = new AuthSpec { Type = "oidc", Provider = "authentik" };
        return new TestFleet()
            .Host("postgresql").Host("dns").Host("caddy").Host("authentik").Host("vaultwarden").Host("guacamole")
            .Core("postgresql", "postgresql")
            .Core("dns", "dns")
            .Core("caddy", "caddy", "dns")
            .Core("authentik", "authentik", "postgresql", "caddy").With(s => s with { Terraform = terraform })
            .App("vaultwarden", "vaultwarden", "postgresql", "caddy").With(s => s with { Auth = auth, Terraform = terraform })
            .App("guacamole", "guacamole", "postgresql", "caddy").With(s => s with { Auth = auth, Terraform = terraform })
            .Build();
    }

    public static ImmutableArray<string> Names(IEnumerable<Host> hosts) => [.. hosts.Select(h => h.Name)];
}
