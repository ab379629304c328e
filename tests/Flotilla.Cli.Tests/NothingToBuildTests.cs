using System.Text.Json;
using Flotilla.Tests.Support;

namespace Flotilla.Tests;

/// <summary>
/// A flake whose hosts carry metadata and no system (examples/homelab, or the metadata-only flake
/// the lab tool's users write first): every command that evaluates systems says so per host,
/// never with Flotilla's own Nix expression.
/// </summary>
public sealed class NothingToBuildTests
{
    /// <summary>Two hosts that carry only lab.machine metadata; nothing listens on their targets.</summary>
    private const string MetadataOnly = """
        {
          outputs = { self }: {
            nixosConfigurations.hsb0 = { config = { networking.hostName = "hsb0"; lab.machine = { role = "dns"; rebootOrder = 1; }; flotilla.machine.target = "root@127.0.0.1:9"; }; };
            nixosConfigurations.hsb1 = { config = { networking.hostName = "hsb1"; lab.machine = { role = "home-automation"; rebootOrder = 2; dependencies = [ "hsb0" ]; }; flotilla.machine.target = "root@127.0.0.2:9"; }; };
          };
        }
        """;

    [Fact]
    public async Task Status_says_per_host_that_it_has_nothing_to_build_and_still_reads_the_host()
    {
        using var dir = new TempDirectory();
        dir.Write("flake.nix", MetadataOnly);

        var run = await CliRunner.RunAsync(dir.Path, "status", "-f", dir.Path, "--json");

        var lines = run.ErrorLines.Where(l => l.StartsWith("status: ", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, lines.Count);
        Assert.StartsWith("status: hsb0 has nothing to build: nixosConfigurations.hsb0.config has no attribute \"system\"", lines[0], StringComparison.Ordinal);
        Assert.Contains("nixpkgs.lib.nixosSystem", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("status: hsb1 has nothing to build: ", lines[1], StringComparison.Ordinal);
        Assert.DoesNotContain("«string»", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("root:", run.Error, StringComparison.Ordinal);
        // Each host was still read: here, found unreachable.
        using var json = JsonDocument.Parse(run.Output);
        Assert.All(json.RootElement.EnumerateArray(), h =>
        {
            Assert.StartsWith("cannot read root@127.0.0.", h.GetProperty("error").GetString(), StringComparison.Ordinal);
            Assert.Contains("has nothing to build", h.GetProperty("systemProblem").GetString(), StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task Deploy_fails_each_host_at_its_build_with_one_line_and_touches_no_host()
    {
        using var dir = new TempDirectory();
        dir.Write("flake.nix", MetadataOnly);

        var run = await CliRunner.RunAsync(dir.Path, "deploy", "-f", dir.Path, "--state-dir", Path.Combine(dir.Path, "state"));

        Assert.Equal(1, run.ExitCode);
        var failures = run.ErrorLines.Concat(run.Output.Split('\n')).Where(l => l.Contains("build:hsb", StringComparison.Ordinal) && l.Contains("failed:", StringComparison.Ordinal)).ToList();
        Assert.Contains(failures, l => l.StartsWith("hsb0: build:hsb0 failed: build:hsb0: hsb0 has nothing to build: ", StringComparison.Ordinal));
        Assert.DoesNotContain("«string»", run.Output + run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("root:", run.Output + run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("copy:hsb0 started", run.Output + run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_homelab_example_status_never_shows_flotillas_expression()
    {
        var run = await CliRunner.RunAsync(Repository.Root, "status", "-f", Repository.PathOf("examples", "homelab"), "--on", "hsb0", "--on", "mba-mbp-work");

        Assert.Contains("status: hsb0 has nothing to build: nixosConfigurations.hsb0.config has no attribute \"system\"", run.Error, StringComparison.Ordinal);
        Assert.Contains("status: mba-mbp-work has nothing to build: homeConfigurations.\"mba@mba-mbp-work\" has no attribute \"activationPackage\"", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("cannot evaluate", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("«string»", run.Error, StringComparison.Ordinal);
    }

    [LabFact]
    public async Task Status_reports_reachability_generation_and_health_of_lab_hosts_whose_flake_has_nothing_to_build()
    {
        using var dir = new TempDirectory();
        await using var lab = await CliLab.UpAsync(dir.Path, "n", dir.Write("flotilla.json", """
            {
              "hosts": {
                "db":  { "target": "10.1.0.2", "healthChecks": [ { "type": "http", "url": "http://localhost:5432/" } ] },
                "web": { "target": "10.1.0.3", "dependsOn": ["db"], "healthChecks": [ { "type": "http", "url": "http://localhost:80/" } ] }
              }
            }
            """));
        var addresses = await lab.AddressesAsync();
        // The lab tool's users' first flake: the same hosts, metadata only.
        var flake = Path.Combine(dir.Path, "meta");
        Directory.CreateDirectory(flake);
        await File.WriteAllTextAsync(Path.Combine(flake, "flake.nix"), $$"""
            {
              outputs = { self }: {
                nixosConfigurations.db = { config = { networking.hostName = "db"; lab.machine = { role = "database"; rebootOrder = 1; healthChecks = [ { type = "http"; url = "http://localhost:5432/"; } ]; }; flotilla.machine.target = "root@{{addresses["db"]}}"; }; };
                nixosConfigurations.web = { config = { networking.hostName = "web"; lab.machine = { role = "web"; rebootOrder = 2; dependencies = [ "db" ]; healthChecks = [ { type = "http"; url = "http://localhost:80/"; } ]; }; flotilla.machine.target = "root@{{addresses["web"]}}"; }; };
              };
            }
            """);

        var run = await lab.RunAsync("status", "-f", flake, "--json");

        Assert.True(run.ExitCode == 0, run.Output + run.Error);
        Assert.Equal(2, run.ErrorLines.Count(l => l.StartsWith("status: ", StringComparison.Ordinal) && l.Contains(" has nothing to build: ", StringComparison.Ordinal)));
        Assert.DoesNotContain("«string»", run.Error, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(run.Output);
        foreach (var host in json.RootElement.EnumerateArray())
        {
            Assert.Equal(JsonValueKind.Null, host.GetProperty("error").ValueKind);
            Assert.Equal(1, host.GetProperty("generation").GetInt32());
            Assert.True(host.GetProperty("healthy").GetBoolean(), host.GetProperty("health").GetString());
            Assert.False(host.GetProperty("compared").GetBoolean());
            Assert.NotNull(host.GetProperty("system").GetString());
        }
    }
}
