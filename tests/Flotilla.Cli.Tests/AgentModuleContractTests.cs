using System.Text.Json;
using Flotilla.Tests.Support;

namespace Flotilla.Tests;

/// <summary>What nix/modules' agent modules pass to <c>flotilla agent</c> is what the command takes.</summary>
public sealed class AgentModuleContractTests
{
    [Fact]
    public async Task Every_option_the_agent_modules_pass_is_one_flotilla_agent_knows()
    {
        using var dir = new TempDirectory();
        NixFixtures.ModulesTo(dir);
        var result = await NixFixtures.EvaluateAsync(dir, """
            let
              lib = import ./nix/lib.nix;
              pkgs = import ./nix/pkgs.nix { platform = "aarch64-darwin"; };
              home = lib.evalModules {
                modules = [
                  ./nix/home-manager.nix
                  ./modules/flotilla-agent-home-manager.nix
                  { home.username = "yourname"; home.homeDirectory = "/Users/yourname"; }
                  { services.flotilla-agent = import ./nixfleet/imac0.nix; }
                  { services.flotilla-agent.package = pkgs.flotilla; services.flotilla-agent.tags = [ "rack-2" ]; }
                ];
                specialArgs = { inherit pkgs; };
              };
            in home.config.launchd.agents.flotilla-agent.config.ProgramArguments
            """);
        Assert.True(result.ExitCode == 0, result.StandardError);
        using var json = JsonDocument.Parse(result.StandardOutput);
        var options = json.RootElement.EnumerateArray().Select(e => e.GetString()!).Where(a => a.StartsWith("--", StringComparison.Ordinal)).Distinct().ToList();

        var help = await CliRunner.RunAsync(dir.Path, "agent", "--help");

        Assert.Equal(["--token-file", "--url", "--interval", "--log-level", "--repo", "--repo-url", "--branch", "--hostname", "--tag"], options);
        Assert.All(options, o => Assert.Contains(o + " ", help.Output, StringComparison.Ordinal));
    }
}
