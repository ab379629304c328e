using Flotilla.Inventory;
using Flotilla.Tests.Support;

namespace Flotilla.Tests.Inventory;

public sealed class SystemSourceTests
{
    [Fact]
    public async Task A_json_inventory_names_the_flake_that_builds_its_hosts_relative_to_itself()
    {
        using var dir = new TempDirectory();
        dir.Write("infra/flake.nix", "{ outputs = _: { }; }");
        var file = dir.Write("fleet/flotilla.json", """{ "flake": "../infra", "hosts": { "web": { "target": "10.0.0.1" } } }""");

        var fleet = await InventoryLoader.LoadAsync(file, dir.Path);

        Assert.Empty(fleet.Diagnostics);
        Assert.Equal(Path.Combine(dir.Path, "infra"), fleet.FlakeDirectory);
    }

    [Fact]
    public async Task Without_a_flake_attribute_a_flake_nix_beside_the_inventory_builds_its_hosts()
    {
        using var dir = new TempDirectory();
        dir.Write("flake.nix", "{ outputs = _: { }; }");
        var file = dir.Write("flotilla.yaml", "hosts:\n  web:\n    target: 10.0.0.1\n");

        var fleet = await InventoryLoader.LoadAsync(file, dir.Path);

        Assert.Equal(dir.Path, fleet.FlakeDirectory);
    }

    [Fact]
    public async Task A_manifest_in_a_subdirectory_is_built_by_the_flake_at_its_repository_root()
    {
        // NixMox's layout: nixos/service-manifest.nix, and flake.nix (whose nixosConfigurations
        // are the manifest's services) at the repository's root.
        using var dir = new TempDirectory();
        Directory.CreateDirectory(Path.Combine(dir.Path, "repo", ".git"));
        dir.Write("repo/flake.nix", "{ outputs = _: { nixosConfigurations = builtins.mapAttrs (n: s: { }) (import ./nixos/service-manifest.nix).core_services; }; }");
        var file = dir.Write("repo/nixos/service-manifest.nix", """{ core_services.dns = { enable = true; ip = "10.0.0.13"; }; }""");

        var fleet = await InventoryLoader.LoadAsync(file, dir.Path);

        Assert.Equal(Path.Combine(dir.Path, "repo"), fleet.FlakeDirectory);
    }

    [Fact]
    public async Task A_flake_above_that_does_not_name_the_inventory_or_lies_outside_its_repository_is_not_taken()
    {
        using var dir = new TempDirectory();
        dir.Write("flake.nix", "{ outputs = _: { x = import ./repo/nixos/service-manifest.nix; y = import ./loose/fleet/service-manifest.nix; }; }");
        Directory.CreateDirectory(Path.Combine(dir.Path, "repo", ".git"));
        dir.Write("repo/flake.nix", "{ outputs = _: { }; }");
        var inRepository = dir.Write("repo/nixos/service-manifest.nix", """{ core_services.dns = { enable = true; ip = "10.0.0.13"; }; }""");
        var outside = dir.Write("loose/fleet/service-manifest.nix", """{ core_services.dns = { enable = true; ip = "10.0.0.13"; }; }""");

        Assert.Null((await InventoryLoader.LoadAsync(inRepository, dir.Path)).FlakeDirectory);
        Assert.Null((await InventoryLoader.LoadAsync(outside, dir.Path)).FlakeDirectory);
    }

    [Fact]
    public async Task A_flake_directory_without_flake_nix_is_an_error_at_its_path()
    {
        using var dir = new TempDirectory();
        var file = dir.Write("flotilla.json", """{ "flake": "./nowhere", "hosts": { "web": { "target": "10.0.0.1" } } }""");

        var fleet = await InventoryLoader.LoadAsync(file, dir.Path);

        var error = Assert.Single(fleet.Diagnostics);
        Assert.Equal("flake", error.Path);
        Assert.Contains("no flake.nix in " + Path.Combine(dir.Path, "nowhere"), error.Message, StringComparison.Ordinal);
        Assert.Null(fleet.FlakeDirectory);
    }

    [Fact]
    public async Task A_host_system_that_names_a_nix_file_is_built_from_that_file_and_attribute()
    {
        using var dir = new TempDirectory();
        dir.Write("machines.nix", "{ }");
        var file = dir.Write("flotilla.json", """
            { "hosts": {
                "web": { "target": "10.0.0.1", "system": "./machines.nix#web.config.system.build.toplevel" },
                "db": { "target": "10.0.0.2", "system": "machines.nix" },
                "app": { "target": "10.0.0.3", "system": "nixosConfigurations.app.config.system.build.toplevel" } } }
            """);

        var fleet = await InventoryLoader.LoadAsync(file, dir.Path);

        Assert.Empty(fleet.Diagnostics);
        var web = fleet.FindHost("web")!;
        Assert.Equal(Path.Combine(dir.Path, "machines.nix"), web.SystemFile);
        Assert.Equal("web.config.system.build.toplevel", web.SystemAttribute);
        Assert.Equal(Path.Combine(dir.Path, "machines.nix"), fleet.FindHost("db")!.SystemFile);
        Assert.Null(fleet.FindHost("db")!.SystemAttribute);
        Assert.Null(fleet.FindHost("app")!.SystemFile);
        Assert.Equal("nixosConfigurations.app.config.system.build.toplevel", fleet.FindHost("app")!.SystemAttribute);
    }

    [Fact]
    public async Task A_host_system_file_that_does_not_exist_is_an_error_at_the_hosts_path()
    {
        using var dir = new TempDirectory();
        var file = dir.Write("flotilla.json", """{ "hosts": { "web": { "target": "10.0.0.1", "system": "./gone.nix#web" } } }""");

        var fleet = await InventoryLoader.LoadAsync(file, dir.Path);

        var error = Assert.Single(fleet.Diagnostics);
        Assert.Equal("hosts.web.system", error.Path);
        Assert.Contains("no such file: " + Path.Combine(dir.Path, "gone.nix"), error.Message, StringComparison.Ordinal);
    }
}
