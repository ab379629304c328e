using Flotilla.Diagnostics;
using Flotilla.Inventory;
using Flotilla.Planning;
using Flotilla.Tests.Support;
using Flotilla.Validation;

namespace Flotilla.Tests.Inventory;

/// <summary>
/// A flake in the shape of geokkjer/Home-lab's: machines made with (a stand-in for) the NixOS
/// module system and Home-lab's lab.machine module, read with the real nix.
/// </summary>
public sealed class HomeLabFlakeTests
{
    [Fact]
    public async Task Home_labs_machines_load_with_the_lab_machine_modules_defaults()
    {
        using var dir = new TempDirectory();
        NixFixtures.CopyTo(dir, "home-lab");

        var fleet = await InventoryLoader.LoadAsync(dir.Path, dir.Path);

        Assert.Empty(FleetValidator.Validate(fleet));
        var proxy = fleet.FindHost("reverse-proxy")!;
        Assert.Equal(TimeSpan.FromSeconds(600), proxy.RebootDelay); // the module's default
        Assert.Equal(["grey-area"], proxy.DependsOn.ToArray());
        var sleeper = fleet.FindHost("sleeper-service")!;
        Assert.Equal(("application-server", 1, TimeSpan.Zero, Criticality.High), (sleeper.Role, sleeper.RebootOrder, sleeper.RebootDelay, sleeper.Criticality));
        Assert.Equal([HealthCheckKind.Http, HealthCheckKind.Tcp], sleeper.HealthChecks.Select(c => c.Kind));
        Assert.Equal("nixos", sleeper.Hostname); // NixOS's default: its networking.hostName is commented out
        Assert.Equal(DeployStrategy.Recreate, fleet.FindHost("congenital-optimist")!.DeployStrategy);
    }

    [Fact]
    public async Task A_role_left_out_shows_nix_own_message_at_its_path()
    {
        using var dir = new TempDirectory();
        NixFixtures.CopyTo(dir, "home-lab");
        NixFixtures.Machine(dir, "grey-area", """
            { ... }: {
              networking.hostName = "grey-area";
              lab.machine = { groups = [ "services" ]; rebootOrder = 2; };
            }
            """);

        var fleet = await InventoryLoader.LoadAsync(dir.Path, dir.Path);

        var error = Assert.Single(fleet.Diagnostics, d => d.IsError);
        Assert.Equal("nixosConfigurations.grey-area.config.lab.machine.role", error.Path);
        Assert.Contains("The option `lab.machine.role' is used but not defined", error.Message, StringComparison.Ordinal);
        Assert.Equal(3, fleet.Hosts.Count(h => h.Role is not null)); // the others still load
    }

    [Fact]
    public async Task A_throw_and_a_value_of_the_wrong_type_each_show_nix_message_for_their_own_host()
    {
        using var dir = new TempDirectory();
        NixFixtures.CopyTo(dir, "home-lab");
        NixFixtures.Machine(dir, "grey-area", """
            { ... }: {
              networking.hostName = "grey-area";
              lab.machine = { role = "media-server"; rebootOrder = throw "grey-area: ask the rack owner for a reboot slot"; };
            }
            """);
        NixFixtures.Machine(dir, "reverse-proxy", """
            { ... }: {
              networking.hostName = "reverse-proxy";
              lab.machine = { role = "reverse-proxy"; rebootOrder = "3"; };
            }
            """);

        var fleet = await InventoryLoader.LoadAsync(dir.Path, dir.Path);

        var errors = fleet.Diagnostics.Where(d => d.IsError).ToDictionary(d => d.Path, d => d.Message);
        Assert.Equal(["nixosConfigurations.grey-area.config.lab.machine.rebootOrder", "nixosConfigurations.reverse-proxy.config.lab.machine.rebootOrder"], errors.Keys.Order(StringComparer.Ordinal));
        Assert.Contains("grey-area: ask the rack owner for a reboot slot", errors["nixosConfigurations.grey-area.config.lab.machine.rebootOrder"], StringComparison.Ordinal);
        Assert.Contains("A definition for option `lab.machine.rebootOrder' is not of type `signed integer'", errors["nixosConfigurations.reverse-proxy.config.lab.machine.rebootOrder"], StringComparison.Ordinal);
        Assert.All(fleet.Diagnostics, d => Assert.DoesNotContain("«string»", d.Message, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_hostname_that_cannot_be_evaluated_is_reported_at_networking_hostName()
    {
        using var dir = new TempDirectory();
        NixFixtures.CopyTo(dir, "home-lab");
        NixFixtures.Machine(dir, "reverse-proxy", """
            { ... }: {
              networking.hostName = throw "reverse-proxy's name comes from the cloud provider";
              lab.machine = { role = "reverse-proxy"; rebootOrder = 3; };
            }
            """);

        var fleet = await InventoryLoader.LoadAsync(dir.Path, dir.Path);

        var error = Assert.Single(fleet.Diagnostics, d => d.IsError);
        Assert.Equal("nixosConfigurations.reverse-proxy.config.networking.hostName", error.Path);
        Assert.Contains("reverse-proxy's name comes from the cloud provider", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_machines_with_the_same_hostname_are_named_by_the_paths_that_hold_it()
    {
        using var dir = new TempDirectory();
        NixFixtures.CopyTo(dir, "home-lab");
        // Like sleeper-service, limiting-factor leaves networking.hostName to NixOS's default.
        NixFixtures.Machine(dir, "limiting-factor", """
            { ... }: {
              lab.machine = { role = "backup"; rebootOrder = 5; };
            }
            """);

        var fleet = await InventoryLoader.LoadAsync(dir.Path, dir.Path);
        var diagnostics = FleetValidator.Validate(fleet);

        var error = Assert.Single(diagnostics, d => d.IsError);
        Assert.Equal("nixosConfigurations.sleeper-service.config.networking.hostName", error.Path);
        Assert.Contains("hostname \"nixos\"", error.Message, StringComparison.Ordinal);
        Assert.Contains("at nixosConfigurations.limiting-factor.config.networking.hostName", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_reboot_order_that_contradicts_a_dependency_warns_that_the_dependency_wins_and_the_plan_follows_it()
    {
        using var dir = new TempDirectory();
        NixFixtures.CopyTo(dir, "home-lab");
        NixFixtures.Machine(dir, "reverse-proxy", """
            { ... }: {
              networking.hostName = "reverse-proxy";
              lab.machine = { role = "reverse-proxy"; rebootOrder = 1; dependencies = [ "grey-area" ]; };
            }
            """);

        var fleet = await InventoryLoader.LoadAsync(dir.Path, dir.Path);
        var diagnostics = FleetValidator.Validate(fleet);
        var plan = Planner.Build(fleet, Operation.Reboot, Selection.Everything).Plan!;

        var warning = Assert.Single(diagnostics);
        Assert.Equal(Severity.Warning, warning.Severity);
        Assert.Equal("nixosConfigurations.reverse-proxy.config.lab.machine.rebootOrder", warning.Path);
        Assert.Contains("depends on \"grey-area\" (at nixosConfigurations.reverse-proxy.config.lab.machine.dependencies[0]), whose rebootOrder is 2 (at nixosConfigurations.grey-area.config.lab.machine.rebootOrder)", warning.Message, StringComparison.Ordinal);
        Assert.Contains("dependencies win, so \"grey-area\" reboots before \"reverse-proxy\"", warning.Message, StringComparison.Ordinal);
        var order = plan.Steps.Where(s => s.Kind == StepKind.Reboot).Select(s => s.Host).ToList();
        Assert.True(order.IndexOf("grey-area") < order.IndexOf("reverse-proxy"), string.Join(", ", order));
    }

    [Fact]
    public async Task The_reboot_plan_shows_the_sequence_total_of_home_labs_reboot_delays()
    {
        using var dir = new TempDirectory();
        NixFixtures.CopyTo(dir, "home-lab");

        var fleet = await InventoryLoader.LoadAsync(dir.Path, dir.Path);
        var text = PlanRenderer.Render(Planner.Build(fleet, Operation.Reboot, Selection.Everything).Plan!, PlanFormat.Text);

        // sleeper-service 0 s, grey-area 300 s, reverse-proxy and congenital-optimist the module's 600 s.
        Assert.Contains("total: 25m of waits (grey-area 300s + reverse-proxy 600s + congenital-optimist 600s), plus the time 4 reboots and their verifications take", text, StringComparison.Ordinal);
    }
}
