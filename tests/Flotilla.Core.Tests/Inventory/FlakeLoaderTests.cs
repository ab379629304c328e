using Flotilla.Inventory;
using Flotilla.Tests.Support;

namespace Flotilla.Tests.Inventory;

public sealed class FlakeLoaderTests
{
    [Fact]
    public async Task The_homelab_example_loads_every_configuration_as_a_host()
    {
        var fleet = await InventoryLoader.LoadAsync(Repository.PathOf("examples", "homelab"), Repository.Root);

        Assert.Equal(InventoryFormat.Flake, fleet.Format);
        Assert.Empty(fleet.Diagnostics);
        Assert.Equal(
            ["csb0", "csb1", "gpc0", "hsb0", "hsb1", "hsb8", "imac0", "mba-mbp-work"],
            fleet.Hosts.Select(h => h.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Lab_machine_metadata_is_read_unchanged()
    {
        var fleet = await InventoryLoader.LoadAsync(Repository.PathOf("examples", "homelab"), Repository.Root);

        var hsb1 = fleet.FindHost("hsb1")!;

        Assert.Equal("home-automation", hsb1.Role);
        Assert.Equal(["home", "automation"], hsb1.Tags.ToArray());
        Assert.Equal(2, hsb1.RebootOrder);
        Assert.Equal(["hsb0"], hsb1.DependsOn.ToArray());
        Assert.Equal(TimeSpan.FromSeconds(60), hsb1.RebootDelay);
        Assert.Equal(Criticality.High, hsb1.Criticality);
        Assert.Equal(HealthCheckKind.Http, hsb1.HealthChecks[0].Kind);
        Assert.Equal("http://localhost:8123/", hsb1.HealthChecks[0].Url);
        Assert.Equal(DeployStrategy.BlueGreen, fleet.FindHost("csb1")!.DeployStrategy);
        Assert.Equal("nixosConfigurations.hsb1.config.system.build.toplevel", hsb1.SystemAttribute);
    }

    [Fact]
    public async Task Targets_come_from_flotilla_machine_and_paths_name_the_layer_they_came_from()
    {
        var fleet = await InventoryLoader.LoadAsync(Repository.PathOf("examples", "homelab"), Repository.Root);

        var csb0 = fleet.FindHost("csb0")!;
        var imac0 = fleet.FindHost("imac0")!;

        Assert.Equal(new Target("cs0.barta.cm", "mba", 2222), csb0.Target);
        Assert.Equal(new Target("192.168.1.150", "markus", 22), imac0.Target);
        Assert.Equal(Platform.HomeManager, imac0.Platform);
        Assert.Equal("nixosConfigurations.csb0.config.lab.machine.dependencies[0]", csb0.Origin.Of("dependsOn", 0));
        Assert.Equal("nixosConfigurations.csb0.config.flotilla.machine.target", csb0.Origin.Of("target"));
    }

    [Fact]
    public async Task A_host_without_metadata_is_still_a_host_reached_at_its_hostname()
    {
        using var dir = new TempDirectory();
        dir.Write("flake.nix", """
            {
              outputs = { self }: {
                nixosConfigurations.plain = { config = { networking.hostName = "plain-box"; }; };
                nixosConfigurations.tagged = { config = { networking.hostName = "tagged"; flotilla.machine = { tags = [ "web" ]; target = "admin@10.9.8.7:2200"; }; }; };
              };
            }
            """);

        var fleet = await InventoryLoader.LoadAsync(dir.Path, dir.Path);

        Assert.Equal(new Target("plain-box", "root", 22), fleet.FindHost("plain")!.Target);
        Assert.Equal(new Target("10.9.8.7", "admin", 2200), fleet.FindHost("tagged")!.Target);
        Assert.Equal(["web"], fleet.FindHost("tagged")!.Tags.ToArray());
    }

    [Fact]
    public async Task An_option_that_throws_is_reported_at_its_path_and_the_rest_still_loads()
    {
        using var dir = new TempDirectory();
        dir.Write("flake.nix", """
            {
              outputs = { self }: {
                nixosConfigurations.a = { config = { networking.hostName = "a"; lab.machine = { role = "x"; rebootOrder = throw "The option `lab.machine.rebootOrder' is used but not defined."; }; }; };
                nixosConfigurations.b = { config = { networking.hostName = "b"; lab.machine = { role = "y"; rebootOrder = 2; }; }; };
              };
            }
            """);

        var fleet = await InventoryLoader.LoadAsync(dir.Path, dir.Path);

        var error = Assert.Single(fleet.Diagnostics);
        Assert.Equal("nixosConfigurations.a.config.lab.machine.rebootOrder", error.Path);
        Assert.Equal(2, fleet.FindHost("b")!.RebootOrder);
    }

    [Fact]
    public async Task A_nix_syntax_error_shows_nix_message_and_the_file()
    {
        using var dir = new TempDirectory();
        var flake = dir.Write("flake.nix", "{ outputs = { self }: { nixosConfigurations = { ");

        var error = await Assert.ThrowsAsync<Flotilla.Diagnostics.InventoryException>(() => InventoryLoader.LoadAsync(dir.Path, dir.Path));

        var diagnostic = Assert.Single(error.Diagnostics);
        Assert.Equal(flake, diagnostic.File);
        Assert.Contains("syntax error", diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_directory_that_nix_cannot_name_gets_a_clear_error()
    {
        using var dir = new TempDirectory();
        dir.Write("odd #dir? name/flake.nix", """{ outputs = { self }: { nixosConfigurations.x = { config.networking.hostName = "x"; }; }; }""");

        var error = await Assert.ThrowsAsync<Flotilla.Diagnostics.InventoryException>(() => InventoryLoader.LoadAsync(Path.Combine(dir.Path, "odd #dir? name"), dir.Path));

        Assert.Contains("Nix cannot name a flake in this directory", Assert.Single(error.Diagnostics).Message, StringComparison.Ordinal);
    }
}
