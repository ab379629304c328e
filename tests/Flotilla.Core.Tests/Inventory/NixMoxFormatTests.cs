using Flotilla.Diagnostics;
using Flotilla.Inventory;
using Flotilla.Planning;
using Flotilla.Tests.Planning;
using Flotilla.Tests.Support;
using Flotilla.Validation;

namespace Flotilla.Tests.Inventory;

/// <summary>
/// NixMox's manifest as NixMox has it (tests/Fixtures/nixmox/service-manifest.nix is written in its
/// shape, with every key its format has), read by the real nix-instantiate.
/// </summary>
public sealed class NixMoxFormatTests
{
    private static readonly string Manifest = Repository.PathOf("tests", "Fixtures", "nixmox", "service-manifest.nix");

    private static Task<Fleet> LoadAsync() => InventoryLoader.LoadAsync(Manifest, Repository.Root);

    private static async Task<Fleet> LoadAsync(TempDirectory dir, string text) => await InventoryLoader.LoadAsync(dir.Write("service-manifest.nix", text), dir.Path);

    private static string Lines(IEnumerable<Diagnostic> diagnostics) => string.Join(Environment.NewLine, diagnostics);

    [Fact]
    public async Task A_manifest_with_every_key_of_the_format_validates_with_no_warnings()
    {
        var fleet = await LoadAsync();

        var diagnostics = FleetValidator.Validate(fleet);

        Assert.True(diagnostics.IsEmpty, Lines(diagnostics));
        Assert.Equal(["authentik", "caddy", "dns", "postgresql", "media", "monitoring", "vaultwarden"], fleet.Hosts.Select(h => h.Name));
        Assert.Equal(["mail"], fleet.DisabledServices.ToArray());
        Assert.Equal("fleet.lan", fleet.Network!.Domain);
    }

    [Fact]
    public async Task A_single_proxy_and_named_proxies_are_both_read()
    {
        var fleet = await LoadAsync();

        var single = Assert.Single(fleet.Services.Single(s => s.Name == "vaultwarden").Proxies);
        Assert.Null(single.Name);
        Assert.Equal(("vault.fleet.lan", "/", "10.20.0.14:8080"), (single.Domain, single.Path, single.Upstream));

        var monitoring = fleet.Services.Single(s => s.Name == "monitoring").Proxies;
        Assert.Equal(["alertmanager", "grafana", "loki", "prometheus"], monitoring.Select(p => p.Name));
        Assert.Equal("grafana.fleet.lan", monitoring.Single(p => p.Name == "grafana").Domain);

        var media = fleet.Services.Single(s => s.Name == "media").Proxies;
        var jellyfin = media.Single(p => p.Name == "jellyfin");
        Assert.Equal(("oidc", "authentik"), (jellyfin.Auth!.Type, jellyfin.Auth.Provider));
        Assert.Contains("X-Content-Type-Options nosniff", jellyfin.ExtraConfig, StringComparison.Ordinal);
        var sonarr = media.Single(p => p.Name == "sonarr");
        Assert.Equal(("forward_auth", "10.20.0.12:9000"), (sonarr.Auth!.Type, sonarr.Auth.ForwardAuthUpstream));
        Assert.Equal("services.media.interface.proxy.sonarr", sonarr.SourcePath);
    }

    [Fact]
    public async Task Db_and_dbs_with_their_additional_databases_are_read()
    {
        var fleet = await LoadAsync();

        var authentik = Assert.Single(fleet.Services.Single(s => s.Name == "authentik").Databases);
        Assert.Equal((null, "authentik", "10.20.0.11", "authentik", 5432), (authentik.Key, authentik.Name, authentik.Host, authentik.Owner, authentik.Port));
        var media = fleet.Services.Single(s => s.Name == "media").Databases;
        Assert.Equal(["radarr", "sonarr"], media.Select(d => d.Key));
        Assert.Equal(["sonarr-log"], media.Single(d => d.Key == "sonarr").AdditionalDatabases.ToArray());
        Assert.Equal(["pg_trgm"], media.Single(d => d.Key == "radarr").Extensions.ToArray());
        Assert.Equal("terraform", fleet.Services.Single(s => s.Name == "vaultwarden").Databases[0].Mode);
    }

    [Fact]
    public async Task Proxmox_settings_and_versions_are_kept_on_the_hosts()
    {
        var fleet = await LoadAsync();

        var postgresql = fleet.FindHost("postgresql")!.Provisioning!;
        Assert.Equal((902, 4, 4096, 64, true, true), (postgresql.Vmid, postgresql.Cores, postgresql.MemoryMiB, postgresql.DiskGiB, postgresql.OnBoot, postgresql.Start));
        Assert.Equal("1.0", fleet.Services.Single(s => s.Name == "postgresql").Version);
    }

    [Fact]
    public async Task Deployment_phases_and_the_global_health_settings_are_read()
    {
        var fleet = await LoadAsync();

        var deployment = fleet.Deployment;
        Assert.Equal(["postgresql", "dns", "caddy", "authentik"], deployment.CorePhase.ToArray());
        Assert.Equal(["authentik"], deployment.AuthCorePhase.ToArray());
        Assert.Equal(["vaultwarden", "monitoring", "media", "mail"], deployment.ServicesPhase.ToArray());
        Assert.Equal(TimeSpan.FromSeconds(600), deployment.HealthTimeout);
        Assert.True(deployment.RollbackOnFailure);

        // A health entry without its own interval and retries takes retry_delay and retry_attempts.
        var postgresql = fleet.Services.Single(s => s.Name == "postgresql").HealthChecks;
        Assert.All(postgresql, c => Assert.Equal((TimeSpan.FromSeconds(15), 5), (c.Interval, c.Retries)));
        var caddy = fleet.Services.Single(s => s.Name == "caddy").HealthChecks;
        Assert.All(caddy, c => Assert.Equal((TimeSpan.FromSeconds(30), 3), (c.Interval, c.Retries)));

        // readiness is checked after startup, with liveness.
        var readiness = fleet.Services.Single(s => s.Name == "authentik").HealthChecks.Single(c => c.Command!.Contains("ready", StringComparison.Ordinal));
        Assert.Equal(HealthCheckPhase.Liveness, readiness.Phase);
        Assert.Equal("core_services.authentik.interface.health.readiness", readiness.Origin.Of("command"));
    }

    [Fact]
    public async Task Database_hosts_are_activation_dependencies_and_auth_providers_configuration_dependencies()
    {
        var fleet = await LoadAsync();

        var authentik = fleet.Services.Single(s => s.Name == "authentik").Dependencies().ToList();
        Assert.Contains(new ServiceDependency("10.20.0.11", DependencyKind.Activation, DependencySource.DatabaseHost, "core_services.authentik.interface.db.host"), authentik);
        Assert.Contains(authentik, d => d is { Target: "authentik", Kind: DependencyKind.Configuration });
        var postgresql = Assert.Single(fleet.Services.Single(s => s.Name == "postgresql").Dependencies());
        Assert.Equal(new ServiceDependency("authentik", DependencyKind.Configuration, DependencySource.AuthProvider, "core_services.postgresql.interface.auth.provider"), postgresql);
        var media = fleet.Services.Single(s => s.Name == "media").Dependencies().ToList();
        Assert.Contains(media, d => d.Path == "services.media.interface.dbs.sonarr.host" && d.Kind == DependencyKind.Activation);
        Assert.Contains(media, d => d.Path == "services.media.interface.proxy.jellyfin.auth.provider" && d.Kind == DependencyKind.Configuration);
    }

    [Fact]
    public async Task The_plan_deploys_the_core_in_nix_core_order_and_configures_auth_after_authentik()
    {
        var fleet = await LoadAsync();

        var plan = PlanAssert.Built(Planner.Build(fleet, Operation.Deploy, Selection.Everything));

        PlanAssert.Ordered(plan);
        // nix_core: postgresql, dns, caddy, authentik, one after the other.
        PlanAssert.Before(plan, "verify:postgresql", "activate:dns");
        PlanAssert.Before(plan, "verify:dns", "activate:caddy");
        PlanAssert.Before(plan, "verify:caddy", "activate:authentik");
        // authentik's database is on postgresql (db.host)...
        Assert.Contains("verify:postgresql", PlanAssert.Step(plan, "activate:authentik").DependsOn);
        // ...and postgresql's pgAdmin authenticates with authentik: its activation does not wait.
        Assert.False(PlanAssert.Waits(plan, "activate:postgresql", "verify:authentik"));
        // Auth configuration waits for authentik: the core's clients, then vaultwarden's own.
        PlanAssert.Before(plan, "verify:authentik", "tf:auth-core");
        Assert.Contains("verify:authentik", PlanAssert.Step(plan, "tf:service-config:vaultwarden").DependsOn);
        foreach (var app in new[] { "vaultwarden", "monitoring", "media" })
        {
            PlanAssert.Before(plan, "tf:auth-core", $"activate:{app}");
        }

        // media names postgresql only as its databases' host.
        Assert.Contains("verify:postgresql", PlanAssert.Step(plan, "activate:media").DependsOn);
    }

    [Fact]
    public async Task A_nix_core_order_against_a_dependency_is_a_warning_and_the_dependency_wins()
    {
        using var dir = new TempDirectory();
        var fleet = await LoadAsync(dir, """
            {
              core_services = {
                postgresql = { enable = true; ip = "10.20.0.11"; };
                authentik = { enable = true; ip = "10.20.0.12"; interface.db = { host = "10.20.0.11"; name = "authentik"; }; };
              };
              deployment_phases.nix_core = [ "authentik" "postgresql" ];
            }
            """);

        var warning = Assert.Single(FleetValidator.Validate(fleet));
        var plan = PlanAssert.Built(Planner.Build(fleet, Operation.Deploy, Selection.Everything));

        Assert.Equal(Severity.Warning, warning.Severity);
        Assert.Equal("deployment_phases.nix_core[0]", warning.Path);
        Assert.Equal(
            "nix_core lists \"authentik\" before \"postgresql\", but \"authentik\" needs \"postgresql\" (db.host at core_services.authentik.interface.db.host); the dependency wins: \"postgresql\" deploys before \"authentik\"",
            warning.Message);
        PlanAssert.Before(plan, "verify:postgresql", "activate:authentik");
    }

    [Fact]
    public async Task A_cycle_made_of_a_database_host_and_depends_on_names_where_each_edge_comes_from()
    {
        using var dir = new TempDirectory();
        var fleet = await LoadAsync(dir, """
            {
              core_services = {
                postgresql = { enable = true; ip = "10.20.0.11"; depends_on = [ "authentik" ]; };
                authentik = { enable = true; ip = "10.20.0.12"; interface.db = { host = "postgresql"; name = "authentik"; }; };
              };
            }
            """);

        var error = Assert.Single(FleetValidator.Validate(fleet));

        Assert.Equal(
            "services depend on each other in a cycle: authentik -> postgresql -> authentik (authentik -> postgresql: db.host at core_services.authentik.interface.db.host; postgresql -> authentik: depends_on at core_services.postgresql.depends_on[0])",
            error.Message);
    }

    [Fact]
    public async Task A_database_on_a_machine_outside_the_fleet_or_on_its_own_host_is_no_dependency()
    {
        using var dir = new TempDirectory();
        var fleet = await LoadAsync(dir, """
            {
              services = {
                a = { enable = true; ip = "10.20.0.30"; interface.db = { host = "db.example.com"; name = "a"; }; };
                b = { enable = true; ip = "10.20.0.31"; interface.db = { host = "localhost"; name = "b"; port = 5432; }; };
              };
            }
            """);

        Assert.Empty(FleetValidator.Validate(fleet));
        Assert.Equal(2, PlanAssert.Built(Planner.Build(fleet, Operation.Deploy, Selection.Everything)).Steps.Count(s => s.Kind == StepKind.Activate));
    }

    [Fact]
    public async Task Phase_lists_name_services_and_a_disabled_one_counts()
    {
        using var dir = new TempDirectory();
        var fleet = await LoadAsync(dir, """
            {
              core_services.dns = { enable = true; ip = "10.20.0.13"; };
              services.mail = { enable = false; ip = "10.20.0.19"; };
              deployment_phases = { nix_core = [ "dsn" ]; services = [ "mail" ]; };
            }
            """);

        var error = Assert.Single(FleetValidator.Validate(fleet));

        Assert.Equal("deployment_phases.nix_core[0]", error.Path);
        Assert.Equal("nix_core lists \"dsn\", which is not a service of the manifest", error.Message);
        Assert.Equal("did you mean \"dns\"?", error.Hint);
    }

    [Fact]
    public async Task A_password_in_the_manifest_is_a_warning_and_never_kept()
    {
        using var dir = new TempDirectory();
        var fleet = await LoadAsync(dir, """
            { services.wiki = { enable = true; ip = "10.20.0.40"; interface.db = { name = "wiki"; password = "hunter2"; }; }; }
            """);

        var warning = Assert.Single(fleet.Diagnostics);

        Assert.Equal("services.wiki.interface.db.password", warning.Path);
        Assert.Equal(Severity.Warning, warning.Severity);
        Assert.DoesNotContain("hunter2", warning.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", fleet.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_core_service_that_authenticates_with_an_app_is_an_error()
    {
        using var dir = new TempDirectory();
        var fleet = await LoadAsync(dir, """
            {
              core_services.caddy = { enable = true; ip = "10.20.0.10"; interface.auth = { type = "oidc"; provider = "keycloak"; }; };
              services.keycloak = { enable = true; ip = "10.20.0.50"; };
            }
            """);

        var error = Assert.Single(FleetValidator.Validate(fleet));

        Assert.Equal("core_services.caddy.interface.auth.provider", error.Path);
        Assert.Equal("core service \"caddy\" authenticates with app service \"keycloak\" (auth.provider)", error.Message);
    }

    [Fact]
    public async Task A_host_created_stopped_is_deployed_only_when_named()
    {
        using var dir = new TempDirectory();
        var fleet = await LoadAsync(dir, """
            {
              services = {
                a = { enable = true; ip = "10.20.0.60"; };
                spare = { enable = true; ip = "10.20.0.61"; start = false; onboot = false; };
              };
            }
            """);

        Assert.Equal(["a"], FleetSelector.Select(fleet, Selection.Everything).Hosts.ToArray());
        Assert.Equal(["spare"], FleetSelector.Select(fleet, new Selection { On = ["spare"] }).Hosts.ToArray());
    }

    [Fact]
    public async Task Two_proxy_entries_for_one_site_are_an_error()
    {
        using var dir = new TempDirectory();
        var fleet = await LoadAsync(dir, """
            {
              services = {
                a = { enable = true; ip = "10.20.0.70"; interface.proxy = { domain = "app.fleet.lan"; upstream = "10.20.0.70:80"; }; };
                b = { enable = true; ip = "10.20.0.71"; interface.proxy = { web = { domain = "APP.fleet.lan"; upstream = "10.20.0.71:80"; }; }; };
              };
            }
            """);

        var error = Assert.Single(FleetValidator.Validate(fleet));

        Assert.Equal("services.b.interface.proxy.web.domain", error.Path);
        Assert.Equal("APP.fleet.lan/ is proxied twice: here and at services.a.interface.proxy (service \"a\")", error.Message);
    }
}
