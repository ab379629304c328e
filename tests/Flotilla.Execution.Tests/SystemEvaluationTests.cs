using Flotilla.Inventory;

namespace Flotilla.Execution.Tests;

/// <summary>What the inventory builds, with the real nix: hosts with metadata and no system are said per host, never with Flotilla's own expression.</summary>
public sealed class SystemEvaluationTests
{
    /// <summary>A system that evaluates (it is never built here).</summary>
    private const string System = """derivation { name = "sys"; system = "x86_64-linux"; builder = "/bin/sh"; args = [ "-c" ": > $out" ]; }""";

    [Fact]
    public async Task A_host_with_metadata_only_has_nothing_to_build_and_the_others_still_evaluate()
    {
        using var dir = new TempDirectory();
        dir.Write("flake.nix", $$"""
            {
              outputs = { self }: {
                nixosConfigurations.meta = { config = { networking.hostName = "meta"; lab.machine = { role = "dns"; rebootOrder = 1; }; }; };
                nixosConfigurations.real = { config = { networking.hostName = "real"; system.build.toplevel = {{System}}; }; };
                homeConfigurations."mba@laptop" = { config = { flotilla.machine.tags = [ "mac" ]; }; };
              };
            }
            """);
        var fleet = await InventoryLoader.LoadAsync(dir.Path, dir.Path);

        var evaluation = await new NixBuilder().EvaluateSystemsAsync(fleet, fleet.Hosts);

        Assert.Equal(["real"], evaluation.Closures.Keys);
        Assert.Equal(
            "meta has nothing to build: nixosConfigurations.meta.config has no attribute \"system\" (the system would be nixosConfigurations.meta.config.system.build.toplevel); " +
            "make the configuration with nixpkgs.lib.nixosSystem (it sets config.system.build.toplevel), or name the attribute that builds the host in its \"system\"",
            evaluation.Problems["meta"]);
        Assert.StartsWith("laptop has nothing to build: homeConfigurations.\"mba@laptop\" has no attribute \"activationPackage\"", evaluation.Problems["laptop"], StringComparison.Ordinal);
        Assert.Contains("homeManagerConfiguration", evaluation.Problems["laptop"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_homelab_example_says_per_host_that_it_has_nothing_to_build_without_flotillas_expression()
    {
        var fleet = await InventoryLoader.LoadAsync(Repository.PathOf("examples", "homelab"), Repository.Root);

        var error = await Assert.ThrowsAsync<NixBuildException>(() => new NixBuilder().EvaluateAsync(fleet, fleet.Hosts));

        var lines = error.Message.Split('\n');
        Assert.Equal(fleet.Hosts.Length, lines.Length);
        Assert.All(lines, l => Assert.Contains(" has nothing to build: ", l, StringComparison.Ordinal));
        Assert.DoesNotContain("«string»", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("root:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_system_that_throws_or_fails_outright_is_said_with_nix_message_on_its_own_host()
    {
        using var dir = new TempDirectory();
        dir.Write("flake.nix", $$"""
            {
              outputs = { self }: {
                nixosConfigurations.asserts = { config.system.build.toplevel = throw "Failed assertions: - services.flotilla-agent.url must be set"; };
                nixosConfigurations.typo = { config.system.build.toplevel = let settings = { }; in settings.kernelPackages; };
                nixosConfigurations.fine = { config.system.build.toplevel = {{System}}; };
                nixosConfigurations.string = { config.system.build.toplevel = "not a system"; };
              };
            }
            """);
        var fleet = await InventoryLoader.LoadAsync(dir.Path, dir.Path);

        var evaluation = await new NixBuilder().EvaluateSystemsAsync(fleet, fleet.Hosts);

        Assert.Equal(["fine"], evaluation.Closures.Keys);
        Assert.Contains("Failed assertions: - services.flotilla-agent.url must be set", evaluation.Problems["asserts"], StringComparison.Ordinal);
        Assert.StartsWith("typo: evaluating its system (nixosConfigurations.typo.config.system.build.toplevel) failed: attribute 'kernelPackages' missing", evaluation.Problems["typo"], StringComparison.Ordinal);
        Assert.Contains("flake.nix", evaluation.Problems["typo"], StringComparison.Ordinal); // the place in the user's file stays
        Assert.StartsWith("string has nothing to build: nixosConfigurations.string.config.system.build.toplevel is a string, not a derivation", evaluation.Problems["string"], StringComparison.Ordinal);
        Assert.All(evaluation.Problems.Values, p => Assert.DoesNotContain("«string»", p, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_flake_that_does_not_evaluate_at_all_fails_once_for_all_its_hosts()
    {
        using var dir = new TempDirectory();
        var inventory = dir.Write("flotilla.json", """{ "hosts": { "web1": { "target": "10.0.0.1" }, "db1": { "target": "10.0.0.2" } } }""");
        dir.Write("flake.nix", "{ outputs = { self }: { nixosConfigurations = ; }; }");
        var fleet = await InventoryLoader.LoadAsync(inventory, dir.Path);

        var error = await Assert.ThrowsAsync<NixBuildException>(() => new NixBuilder().EvaluateSystemsAsync(fleet, fleet.Hosts));

        Assert.StartsWith("evaluating the systems of web1, db1 in ", error.Message, StringComparison.Ordinal);
        Assert.Contains("syntax error", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("«string»", error.Message, StringComparison.Ordinal);
    }
}
