using Flotilla.Inventory;
using Flotilla.Tests.Support;

namespace Flotilla.Tests.Inventory;

public sealed class ManifestLoaderTests
{
    [Fact]
    public async Task The_nixmox_example_loads_with_one_host_per_enabled_service()
    {
        var fleet = await InventoryLoader.LoadAsync(Repository.PathOf("examples", "nixmox", "flotilla.nix"), Repository.Root);

        Assert.Equal(InventoryFormat.Manifest, fleet.Format);
        Assert.Empty(fleet.Diagnostics.Select(d => d.ToString()));
        // Nix sorts attribute names; core services come first.
        Assert.Equal(["authentik", "caddy", "dns", "postgresql", "guacamole", "vaultwarden"], fleet.Hosts.Select(h => h.Name));
        Assert.DoesNotContain(fleet.Hosts, h => h.Name == "nextcloud");
        var vaultwarden = Assert.Single(fleet.Services, s => s.Name == "vaultwarden");
        Assert.Equal(ServiceTier.App, vaultwarden.Tier);
        Assert.Equal(["postgresql", "caddy", "authentik"], vaultwarden.DependsOn.ToArray());
        Assert.Equal("authentik", vaultwarden.Auth!.Provider);
        Assert.Equal(["authentik_app", "authentik_provider"], vaultwarden.Terraform!.Targets.ToArray());
        Assert.Equal("vaultwarden-oidc", vaultwarden.Terraform.Variables["oidc_client_id"].GetString());
        Assert.Equal(ServiceTier.Core, fleet.Services.Single(s => s.Name == "postgresql").Tier);
        Assert.Equal("192.168.99.0/24", fleet.Network!.Cidr);
        Assert.Equal(99, fleet.Network.VlanTag);
    }

    [Fact]
    public async Task A_service_is_reached_at_its_ip_else_its_hostname()
    {
        using var dir = new TempDirectory();
        var file = dir.Write("m.nix", """
            {
              core_services.db = { enable = true; ip = "10.1.0.5"; hostname = "db.lan"; };
              services.web = { enable = true; hostname = "web.lan"; depends_on = [ "db" ]; };
            }
            """);

        var fleet = await InventoryLoader.LoadAsync(file, dir.Path);

        Assert.Equal(new Target("10.1.0.5"), fleet.FindHost("db")!.Target);
        Assert.Equal("db.lan", fleet.FindHost("db")!.Hostname);
        Assert.Equal(new Target("web.lan"), fleet.FindHost("web")!.Target);
    }

    [Fact]
    public async Task Manifest_health_becomes_startup_and_liveness_command_checks()
    {
        var fleet = await InventoryLoader.LoadAsync(Repository.PathOf("examples", "nixmox", "flotilla.nix"), Repository.Root);

        var checks = fleet.Services.Single(s => s.Name == "vaultwarden").HealthChecks;

        Assert.Collection(
            checks,
            startup =>
            {
                Assert.Equal(HealthCheckPhase.Startup, startup.Phase);
                Assert.Equal(HealthCheckKind.Command, startup.Kind);
                Assert.Equal("systemctl is-active --quiet vaultwarden", startup.Command);
                Assert.Equal(TimeSpan.FromSeconds(60), startup.Timeout);
            },
            liveness =>
            {
                Assert.Equal(HealthCheckPhase.Liveness, liveness.Phase);
                Assert.Equal("curl -f -s http://localhost:8080/alive", liveness.Command);
                Assert.Equal(3, liveness.Retries);
            });
    }

    [Fact]
    public async Task Paths_of_manifest_fields_use_the_manifest_spelling()
    {
        var fleet = await InventoryLoader.LoadAsync(Repository.PathOf("examples", "nixmox", "flotilla.nix"), Repository.Root);

        var vaultwarden = fleet.Services.Single(s => s.Name == "vaultwarden");

        Assert.Equal("services.vaultwarden.depends_on[1]", vaultwarden.Origin.Of("dependsOn", 1));
        Assert.Equal("services.vaultwarden.interface.auth.provider", vaultwarden.Origin.Of("auth.provider"));
        Assert.EndsWith("flotilla.nix", vaultwarden.Origin.File);
    }

    [Fact]
    public async Task An_unknown_attribute_is_reported_with_its_path_not_dropped()
    {
        using var dir = new TempDirectory();
        var file = dir.Write("m.nix", """{ services.web = { enable = true; ip = "10.0.0.2"; depend_on = [ "db" ]; }; }""");

        var fleet = await InventoryLoader.LoadAsync(file, dir.Path);

        var warning = Assert.Single(fleet.Diagnostics);
        Assert.Equal("services.web.depend_on", warning.Path);
        Assert.Contains("did you mean \"depends_on\"", warning.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_type_names_its_path_and_the_fix()
    {
        using var dir = new TempDirectory();
        var file = dir.Write("m.nix", """{ services.web = { enable = true; ip = "10.0.0.2"; depends_on = "db"; ports = [ 80 "443" ]; }; }""");

        var fleet = await InventoryLoader.LoadAsync(file, dir.Path);

        Assert.Contains(fleet.Diagnostics, d => d.Path == "services.web.depends_on" && d.Message.Contains("expected a list of strings", StringComparison.Ordinal));
        Assert.Contains(fleet.Diagnostics, d => d.Path == "services.web.ports[1]" && d.Message.Contains("expected a whole number", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Problems_with_manifest_health_settings_point_at_interface_health()
    {
        using var dir = new TempDirectory();
        var file = dir.Write("m.nix", """{ services.web = { enable = true; ip = "10.0.0.2"; interface.health = { startup = ""; timeout = 0; }; }; }""");

        var fleet = await InventoryLoader.LoadAsync(file, dir.Path);
        var problems = Flotilla.Validation.FleetValidator.Validate(fleet);

        Assert.Contains(problems, d => d.Path == "services.web.interface.health.startup" && d.Message.Contains("no command", StringComparison.Ordinal));
        Assert.Contains(problems, d => d.Path == "services.web.interface.health.timeout");
    }
}
