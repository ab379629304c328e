using System.Text.Json;
using Flotilla.Cli;
using Flotilla.Tests.Support;

namespace Flotilla.Tests;

/// <summary>
/// <c>flotilla init</c> on a flake in colmena's shape (Fixtures/colmena: a hive with defaults, a
/// deploy-rs node, a machine neither tool knows), evaluated by the real nix; what it writes is then
/// imported by the flake and read back by <c>flotilla hosts</c>.
/// </summary>
public sealed class InitCommandTests
{
    private static string ColmenaFlake(TempDirectory dir)
    {
        var flake = NixFixtures.CopyTo(dir, "colmena");
        Directory.CreateDirectory(Path.Combine(flake, "modules"));
        File.Copy(Repository.PathOf("nix", "modules", "flotilla-machine.nix"), Path.Combine(flake, "modules", "flotilla-machine.nix"));
        return flake;
    }

    [Fact]
    public async Task Init_writes_colmena_and_deploy_rs_targets_and_tags_that_the_flake_then_gives_flotilla()
    {
        using var dir = new TempDirectory();
        var flake = ColmenaFlake(dir);

        var init = await CliRunner.RunAsync(dir.Path, "init", flake);

        Assert.True(init.ExitCode == 0, init.Error);
        Assert.Contains("web-1: deploy@web-1.example.lan:2222 from colmena's deployment.targetHost; groups web, eu", init.Output, StringComparison.Ordinal);
        Assert.Contains("backup: admin@backup.example.lan from deploy-rs' hostname", init.Output, StringComparison.Ordinal);
        Assert.Contains("lonely: root@lonely.lan from networking.hostName", init.Output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(flake, "flotilla-machines.nix")));

        // The fixture's configurations import what init wrote, as its comment tells a user to.
        var hosts = await CliRunner.RunAsync(dir.Path, "hosts", "-f", flake, "--json");
        Assert.True(hosts.ExitCode == 0, hosts.Error);
        using var json = JsonDocument.Parse(hosts.Output);
        var read = json.RootElement.EnumerateArray().ToDictionary(
            h => h.GetProperty("name").GetString()!,
            h => (
                Address: h.GetProperty("target").GetProperty("address").GetString(),
                User: h.GetProperty("target").GetProperty("user").GetString(),
                Port: h.GetProperty("target").GetProperty("port").GetInt32(),
                Groups: string.Join(',', h.GetProperty("groups").EnumerateArray().Select(g => g.GetString()))));
        Assert.Equal(("web-1.example.lan", "deploy", 2222, "web,eu"), read["web-1"]);
        Assert.Equal(("10.0.0.5", "root", 22, "db"), read["db"]);
        Assert.Equal(("backup.example.lan", "admin", 22, ""), read["backup"]);
        Assert.Equal(("lonely.lan", "root", 22, ""), read["lonely"]);

        var validate = await CliRunner.RunAsync(dir.Path, "validate", "-f", flake);
        Assert.True(validate.ExitCode == 0, validate.Error);
    }

    [Fact]
    public async Task Init_never_overwrites_without_force_and_prints_with_dash()
    {
        using var dir = new TempDirectory();
        var flake = ColmenaFlake(dir);
        var mine = Path.Combine(flake, "flotilla-machines.nix");
        await File.WriteAllTextAsync(mine, "{ }\n");

        var refused = await CliRunner.RunAsync(dir.Path, "init", flake);
        var printed = await CliRunner.RunAsync(dir.Path, "init", flake, "-o", "-");

        Assert.Equal(ExitCodes.InvalidInput, refused.ExitCode);
        Assert.Contains("exists; give --force", refused.Error, StringComparison.Ordinal);
        Assert.Equal("{ }\n", await File.ReadAllTextAsync(mine));
        Assert.Equal(ExitCodes.Success, printed.ExitCode);
        Assert.Contains("target = { address = \"10.0.0.5\"; user = \"root\"; };", printed.Output, StringComparison.Ordinal);

        var forced = await CliRunner.RunAsync(dir.Path, "init", flake, "--force");
        Assert.Equal(ExitCodes.Success, forced.ExitCode);
        Assert.Equal(printed.Output, await File.ReadAllTextAsync(mine));
    }

    [Fact]
    public async Task Init_without_a_flake_names_the_file_and_what_to_do()
    {
        using var dir = new TempDirectory();

        var init = await CliRunner.RunAsync(dir.Path, "init", dir.Path);

        Assert.Equal(ExitCodes.InvalidInput, init.ExitCode);
        Assert.Contains("flake.nix: there is no flake.nix here", init.Error, StringComparison.Ordinal);
        Assert.Contains("flotilla init PATH", init.Error, StringComparison.Ordinal);
    }
}
