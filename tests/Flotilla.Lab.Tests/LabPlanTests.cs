using Flotilla.Lab.Internal;

namespace Flotilla.Lab.Tests;

public sealed class LabPlanTests
{
    [Fact]
    public async Task Health_checks_become_services_on_the_hosts_they_name()
    {
        var fleet = await Inventories.LoadAsync(Inventories.FourHosts);

        var planned = LabPlan.Make(fleet, 0).ToDictionary(p => p.Name);

        Assert.Equal([new LabService("tcp-53", 53, "tcp")], planned["gateway"].Services);
        Assert.Equal([new LabService("tcp-5432", 5432, "tcp")], planned["db"].Services);
        // app's own localhost check and web's check of app's address both mean one service on app.
        Assert.Equal([new LabService("http-8080", 8080, "http")], planned["app"].Services);
        Assert.Equal([new LabService("http-80", 80, "http")], planned["web"].Services);
    }

    [Fact]
    public async Task A_service_port_without_a_check_becomes_a_tcp_service_and_port_22_is_left_to_sshd()
    {
        var fleet = await Inventories.LoadAsync("""
            {
              "hosts": { "a": { "target": "10.0.0.1", "healthChecks": [ { "type": "tcp", "port": 22 } ] } },
              "services": { "cache": { "host": "a", "ports": [6379] } }
            }
            """);

        var planned = Assert.Single(LabPlan.Make(fleet, 0));

        Assert.Equal([new LabService("cache", 6379, "tcp")], planned.Services);
    }

    [Fact]
    public async Task Command_checks_get_the_units_and_urls_they_name()
    {
        var fleet = await Flotilla.Inventory.InventoryLoader.LoadAsync(
            Path.Combine(Flotilla.Tests.Support.Repository.Root, "examples", "nixmox", "flotilla.nix"));

        var planned = LabPlan.Make(fleet, 0).ToDictionary(p => p.Name);

        // systemctl is-active --quiet vaultwarden: the service of that name runs; curl http://localhost:8080/alive: it speaks HTTP.
        Assert.Equal([new LabService("vaultwarden", 8080, "http")], planned["vaultwarden"].Services);
        // systemctl is-active --quiet unbound names a unit that is not one of the service's ports.
        Assert.Contains(new LabService("unbound", 0, "unit"), planned["dns"].Services);
        // The curl check names caddy's port 80 first, so the service called caddy is the one that answers.
        Assert.Equal([new LabService("caddy", 80, "http"), new LabService("caddy-443", 443, "tcp")], planned["caddy"].Services);
    }

    [Fact]
    public void Generic_hosts_each_get_a_web_service()
    {
        var planned = LabPlan.Make(null, 3);

        Assert.Equal(["host-1", "host-2", "host-3"], planned.Select(p => p.Name));
        Assert.All(planned, p => Assert.Equal([new LabService("web", 8080, "http")], p.Services));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(251)]
    public void A_lab_without_hosts_or_with_too_many_is_refused(int hosts) =>
        Assert.Throws<LabException>(() => LabPlan.Make(null, hosts));

    [Fact]
    public void A_lab_index_is_one_no_link_or_namespace_uses()
    {
        var index = LabSubnets.Pick(["eth0", "fl1br", "fl2v3", "flannel0"], ["fl3-1", "other"], [4]);

        Assert.Equal(5, index);
    }

    [Theory]
    [InlineData("activation-fails", LabFault.ActivationFails)]
    [InlineData("unhealthy", LabFault.Unhealthy)]
    [InlineData("unreachable", LabFault.Unreachable)]
    [InlineData("sshd-stop", LabFault.SshdStop)]
    [InlineData("reboot", LabFault.Reboot)]
    public void Fault_names_read_and_print_alike(string name, LabFault fault)
    {
        Assert.True(LabFaultNames.TryParse(name, out var parsed));
        Assert.Equal(fault, parsed);
        Assert.Equal(name, fault.ToName());
    }

    [Fact]
    public void An_unknown_fault_name_is_not_read() => Assert.False(LabFaultNames.TryParse("meteor", out _));

    [Fact]
    public async Task The_lab_s_flake_keeps_database_hosts_as_dependencies_and_auth_providers_as_auth()
    {
        // A NixMox manifest: authentik's database is on postgresql by address; postgresql's pgAdmin
        // logs in with authentik. The lab's flake must plan as the manifest does, without a cycle.
        var fleet = await Flotilla.Inventory.InventoryLoader.LoadAsync(
            Path.Combine(Flotilla.Tests.Support.Repository.Root, "tests", "Fixtures", "nixmox", "service-manifest.nix"));
        using var dir = new Flotilla.Tests.Support.TempDirectory();
        var planned = LabPlan.Make(fleet, 0);
        var state = new LabState
        {
            Name = "plan",
            Index = 1,
            Prefix = "fl1",
            Bridge = "fl1br",
            Gateway = "10.77.1.254",
            Directory = dir.Path,
            CreatedAt = DateTimeOffset.UnixEpoch,
            Hosts = [.. planned.Select((p, i) => new LabHost
            {
                Name = p.Name,
                Number = i + 1,
                Namespace = $"fl1-{i + 1}",
                Interface = $"fl1v{i + 1}",
                Address = $"10.77.1.{i + 1}",
                Directory = Path.Combine(dir.Path, p.Name),
                Services = p.Services,
            })],
        };

        await LabInventory.WriteAsync(state, fleet, planned, CancellationToken.None);
        var lab = await Flotilla.Inventory.InventoryLoader.LoadAsync(Path.Combine(LabPaths.Inventory(dir.Path), "flake.nix"));
        var plan = Flotilla.Planning.Planner.Build(lab, Flotilla.Planning.Operation.Deploy, Flotilla.Planning.Selection.Everything);

        Assert.Empty(Flotilla.Validation.FleetValidator.Validate(lab));
        var steps = Assert.IsType<Flotilla.Planning.Plan>(plan.Plan).Steps.ToDictionary(s => s.Id);
        Assert.Contains("verify:postgresql", steps["activate:authentik"].DependsOn);
        Assert.DoesNotContain("verify:authentik", steps["activate:postgresql"].DependsOn);
        Assert.Contains("verify:postgresql", steps["activate:media"].DependsOn);
        Assert.Equal("authentik", lab.Services.Single(s => s.Name == "postgresql").Auth!.Provider);
    }

    [Fact]
    public async Task Lab_hosts_take_their_inventory_hosts_platform_and_a_home_manager_host_its_user()
    {
        var fleet = await Inventories.LoadAsync("""
            {
              "hosts": {
                "gpc0": { "target": "10.0.0.1" },
                "macmini0": { "target": "10.0.0.2", "platform": "darwin" },
                "imac0": { "target": "mba@10.0.0.3", "platform": "home-manager" }
              }
            }
            """);

        var planned = LabPlan.Make(fleet, 0).ToDictionary(p => p.Name);

        Assert.Equal(("nixos", "root"), (planned["gpc0"].Platform, planned["gpc0"].User));
        Assert.Equal(("darwin", "root"), (planned["macmini0"].Platform, planned["macmini0"].User));
        Assert.Equal(("home-manager", "mba"), (planned["imac0"].Platform, planned["imac0"].User));
    }

    [Fact]
    public async Task A_home_manager_user_that_cannot_be_a_lab_user_is_refused_naming_the_host()
    {
        var fleet = await Inventories.LoadAsync("""
            { "hosts": { "imac0": { "target": "Mark.Us@10.0.0.3", "platform": "home-manager" } } }
            """);

        var error = Assert.Throws<LabException>(() => LabPlan.Make(fleet, 0));

        Assert.Contains("imac0", error.Message, StringComparison.Ordinal);
        Assert.Contains("Mark.Us", error.Message, StringComparison.Ordinal);
    }
}
