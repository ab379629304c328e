using System.Text.Json;
using Flotilla.Diagnostics;
using Flotilla.Inventory;
using Flotilla.Inventory.Internal;
using Flotilla.Validation;

namespace Flotilla.Tests.Validation;

public sealed class ReferenceValidationTests
{
    [Fact]
    public void A_valid_fleet_has_no_findings()
    {
        Assert.Empty(FleetValidator.Validate(TestFleet.NixMox()));
    }

    [Fact]
    public void Loader_diagnostics_come_first()
    {
        var loaded = new Diagnostic(Severity.Warning, "fleet.json", "hosts.a.colour", "unknown attribute");
        var fleet = new TestFleet().Host("a", "ghost").Build() with { Diagnostics = [loaded] };

        var diagnostics = FleetValidator.Validate(fleet);

        Assert.Equal(loaded, diagnostics[0]);
        Assert.Equal("hosts.a.dependsOn[0]", diagnostics[1].Path);
    }

    [Fact]
    public void Unknown_service_dependency_in_a_manifest_names_its_path_and_a_suggestion()
    {
        const string manifest = """
            {
              "core_services": {
                "postgresql": { "ip": "192.168.99.11" },
                "caddy": { "ip": "192.168.99.12" }
              },
              "services": {
                "vaultwarden": { "ip": "192.168.99.14", "depends_on": ["caddy", "postgresq"] }
              }
            }
            """;
        var fleet = ManifestNormaliser.Normalise(JsonDocument.Parse(manifest).RootElement, "service-manifest.nix");

        var error = Assert.Single(FleetValidator.Validate(fleet));

        Assert.Equal("service-manifest.nix", error.File);
        Assert.Equal("services.vaultwarden.depends_on[1]", error.Path);
        Assert.Contains("\"postgresq\"", error.Message, StringComparison.Ordinal);
        Assert.Equal("did you mean \"postgresql\"?", error.Hint);
    }

    [Fact]
    public void Unknown_host_dependency_in_a_flake_names_the_lab_machine_path()
    {
        const string evaluation = """
            {
              "nixos": {
                "hsb0": { "hostName": "hsb0", "lab": { "dependencies": ["hsb8"] } },
                "hsb1": { "hostName": "hsb1", "lab": { } }
              }
            }
            """;
        var fleet = FlakeNormaliser.Normalise(JsonDocument.Parse(evaluation).RootElement, "/lab/flake.nix", "/lab");

        var error = Assert.Single(FleetValidator.Validate(fleet));

        Assert.Equal("nixosConfigurations.hsb0.config.lab.machine.dependencies[0]", error.Path);
        Assert.Equal("did you mean \"hsb1\"?", error.Hint);
    }

    [Fact]
    public void Unknown_host_of_a_service_is_reported_with_a_suggestion()
    {
        var fleet = new TestFleet().Host("web01").App("nginx", "web1").Build();

        var error = Assert.Single(FleetValidator.Validate(fleet));

        Assert.Equal("services.nginx.host", error.Path);
        Assert.Equal("did you mean \"web01\"?", error.Hint);
    }

    [Fact]
    public void Unknown_auth_provider_is_reported_at_auth_provider()
    {
        var fleet = new TestFleet().Host("a")
            .Core("authentik", "a")
            .App("wiki", "a").With(s => s with { Auth = new AuthSpec { Type = "oidc", Provider = "authentic" } })
            .Build();

        var error = Assert.Single(FleetValidator.Validate(fleet));

        Assert.Equal("services.wiki.auth.provider", error.Path);
        Assert.Equal("did you mean \"authentik\"?", error.Hint);
    }

    [Fact]
    public void Manifest_auth_provider_path_uses_the_manifest_spelling()
    {
        const string manifest = """
            { "services": { "wiki": { "ip": "10.0.0.1", "interface": { "auth": { "type": "oidc", "provider": "nobody" } } } } }
            """;
        var fleet = ManifestNormaliser.Normalise(JsonDocument.Parse(manifest).RootElement, "m.nix");

        var error = Assert.Single(FleetValidator.Validate(fleet));

        Assert.Equal("services.wiki.interface.auth.provider", error.Path);
        Assert.Equal("name one of the fleet's services or remove the reference", error.Hint);
    }

    [Fact]
    public void A_host_depending_on_itself_is_an_error()
    {
        var fleet = new TestFleet().Host("a", "a").Build();

        var error = Assert.Single(FleetValidator.Validate(fleet));

        Assert.Equal("hosts.a.dependsOn[0]", error.Path);
        Assert.Contains("depends on itself", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_service_depending_on_itself_is_an_error()
    {
        var fleet = new TestFleet().Host("a").App("s", "a", "s").Build();

        var error = Assert.Single(FleetValidator.Validate(fleet));

        Assert.Equal("services.s.dependsOn[0]", error.Path);
        Assert.Contains("itself", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_core_service_depending_on_an_app_is_an_error_with_a_hint()
    {
        var fleet = new TestFleet().Host("a").Core("dns", "a", "wiki").App("wiki", "a").Build();

        var error = Assert.Single(FleetValidator.Validate(fleet));

        Assert.Equal("services.dns.dependsOn[0]", error.Path);
        Assert.Equal("core service \"dns\" depends on app service \"wiki\"", error.Message);
        Assert.StartsWith("core services deploy before apps", error.Hint, StringComparison.Ordinal);
    }
}
