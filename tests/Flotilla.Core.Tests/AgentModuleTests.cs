using System.Text.Json;
using Flotilla.Processes;
using Flotilla.Tests.Support;

namespace Flotilla.Tests;

/// <summary>
/// nix/modules' agent modules evaluated with the real nix on a stand-in NixOS/home-manager module
/// system, with NixFleet users' settings moved unchanged from services.nixfleet-agent to
/// services.flotilla-agent (plus the package, which NixFleet's flake sets for them).
/// </summary>
public sealed class AgentModuleTests
{
    private static string NixOS(string settings, string extra = "") => $$"""
        let
          lib = import ./nix/lib.nix;
          pkgs = import ./nix/pkgs.nix { };
          system = lib.evalModules {
            modules = [
              ./nix/nixos.nix
              ./modules/flotilla-agent.nix
              { services.flotilla-agent = import {{settings}}; }
              { services.flotilla-agent.package = pkgs.flotilla; }
              {{extra}}
            ];
            specialArgs = { inherit pkgs; };
          };
          unit = system.config.systemd.services.flotilla-agent;
        in {
          execStart = unit.serviceConfig.ExecStart;
          user = unit.serviceConfig.User;
          stateDirectory = unit.serviceConfig.StateDirectory;
          loadCredential = unit.serviceConfig.LoadCredential;
          restartIfChanged = unit.restartIfChanged or true;
          system = system.config.system.build.toplevel.name;
        }
        """;

    private static string Home(string settings, string platform) => $$"""
        let
          lib = import ./nix/lib.nix;
          pkgs = import ./nix/pkgs.nix { platform = "{{platform}}"; };
          home = lib.evalModules {
            modules = [
              ./nix/home-manager.nix
              ./modules/flotilla-agent-home-manager.nix
              { home.username = "yourname"; home.homeDirectory = "/Users/yourname"; }
              { services.flotilla-agent = import {{settings}}; }
              { services.flotilla-agent.package = pkgs.flotilla; }
            ];
            specialArgs = { inherit pkgs; };
          };
        in {
          launchd = home.config.launchd.agents;
          systemd = home.config.systemd.user.services;
          activation = home.config.home.activationPackage.name;
        }
        """;

    [Fact]
    public async Task Watched_file_systems_reach_the_agent_with_their_thresholds()
    {
        using var dir = new TempDirectory();
        NixFixtures.ModulesTo(dir);

        var result = await NixFixtures.EvaluateAsync(dir, NixOS("./nixfleet/csb0.nix", """{ services.flotilla-agent.storage = { "/fun" = { }; "/var/lib" = { warning = 70; critical = 85; }; }; }"""));

        Assert.True(result.ExitCode == 0, result.StandardError);
        using var json = JsonDocument.Parse(result.StandardOutput);
        Assert.EndsWith("--tag cloud --tag server --storage '/fun=80,90' --storage '/var/lib=70,85'", json.RootElement.GetProperty("execStart").GetString()!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_backup_timers_results_directory_reaches_the_agent_when_it_is_not_the_default()
    {
        using var dir = new TempDirectory();
        NixFixtures.ModulesTo(dir);

        var moved = await NixFixtures.EvaluateAsync(dir, NixOS("./nixfleet/csb0.nix", """./nix/oci-containers.nix ./modules/flotilla-containers.nix { flotilla.backupTimers.resultsDirectory = "/srv/state/backups"; }"""));
        var asDefault = await NixFixtures.EvaluateAsync(dir, NixOS("./nixfleet/csb0.nix", "./nix/oci-containers.nix ./modules/flotilla-containers.nix"));
        var set = await NixFixtures.EvaluateAsync(dir, NixOS("./nixfleet/csb0.nix", """{ services.flotilla-agent.backupResults = "/data/results"; }"""));

        Assert.True(moved.ExitCode == 0, moved.StandardError);
        Assert.True(asDefault.ExitCode == 0, asDefault.StandardError);
        Assert.True(set.ExitCode == 0, set.StandardError);
        static string ExecStart(ProcessResult result) => JsonDocument.Parse(result.StandardOutput).RootElement.GetProperty("execStart").GetString()!;
        Assert.EndsWith("--tag cloud --tag server --backup-results /srv/state/backups", ExecStart(moved), StringComparison.Ordinal);
        Assert.EndsWith("--tag cloud --tag server", ExecStart(asDefault), StringComparison.Ordinal); // the agent's default is the timers'
        Assert.EndsWith("--tag cloud --tag server --backup-results /data/results", ExecStart(set), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_nixfleet_server_keeps_its_settings_repo_url_location_and_device_type_included()
    {
        using var dir = new TempDirectory();
        NixFixtures.ModulesTo(dir);

        var result = await NixFixtures.EvaluateAsync(dir, NixOS("./nixfleet/csb0.nix"));

        Assert.True(result.ExitCode == 0, result.StandardError);
        using var json = JsonDocument.Parse(result.StandardOutput);
        var execStart = json.RootElement.GetProperty("execStart").GetString()!;
        Assert.Equal(
            "/nix/store/00000000000000000000000000000008-flotilla/bin/flotilla agent --token-file %d/token --url wss://fleet.example.com --interval 5 --log-level info " +
            "--repo /var/lib/flotilla-agent/repo --repo-url git@github.com:you/nixcfg.git --branch main --tag cloud --tag server",
            execStart);
        Assert.Equal("admin", json.RootElement.GetProperty("user").GetString());
        Assert.Equal("flotilla-agent", json.RootElement.GetProperty("stateDirectory").GetString());
        Assert.Equal(["token:/run/agenix/nixfleet-token"], json.RootElement.GetProperty("loadCredential").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("nixos-system-nixos", json.RootElement.GetProperty("system").GetString()); // no assertion failed
    }

    [Fact]
    public async Task A_switch_that_changes_the_agent_does_not_restart_it_under_the_rebuild_it_runs()
    {
        using var dir = new TempDirectory();
        NixFixtures.ModulesTo(dir);

        var result = await NixFixtures.EvaluateAsync(dir, NixOS("./nixfleet/csb0.nix"));

        Assert.True(result.ExitCode == 0, result.StandardError);
        using var json = JsonDocument.Parse(result.StandardOutput);
        Assert.False(json.RootElement.GetProperty("restartIfChanged").GetBoolean());
    }

    [Fact]
    public async Task A_nixfleet_checkout_in_config_repo_is_the_agents_repo()
    {
        using var dir = new TempDirectory();
        NixFixtures.ModulesTo(dir);

        var result = await NixFixtures.EvaluateAsync(dir, NixOS("./nixfleet/gpc0.nix"));

        Assert.True(result.ExitCode == 0, result.StandardError);
        using var json = JsonDocument.Parse(result.StandardOutput);
        Assert.EndsWith(
            "agent --token-file %d/token --url wss://fleet.barta.cm/ws --interval 5 --log-level info --repo /home/mba/Code/nixcfg --tag home --tag gaming",
            json.RootElement.GetProperty("execStart").GetString(),
            StringComparison.Ordinal);
        Assert.Equal("mba", json.RootElement.GetProperty("user").GetString());
    }

    [Fact]
    public async Task A_nixfleet_option_flotilla_does_not_support_fails_evaluation_saying_what_to_do_instead()
    {
        using var dir = new TempDirectory();
        NixFixtures.ModulesTo(dir);

        var result = await NixFixtures.EvaluateAsync(dir, NixOS("./nixfleet/themed.nix"));

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("Failed assertions:", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("services.flotilla-agent.themeColor is NixFleet's and Flotilla does not support it: Flotilla's dashboard has no per-host colour; remove it", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("services.flotilla-agent.nixpkgsVersion is NixFleet's and Flotilla does not support it: the agent reports the nixpkgs revision itself", result.StandardError, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(1, true)]
    [InlineData(3600, true)]
    [InlineData(3601, false)]
    public async Task The_interval_has_nixfleets_bounds(int seconds, bool accepted)
    {
        using var dir = new TempDirectory();
        NixFixtures.ModulesTo(dir);

        var result = await NixFixtures.EvaluateAsync(dir, NixOS("./nixfleet/csb0.nix", $"{{ services.flotilla-agent.interval = {seconds}; }}"));

        Assert.Equal(accepted, result.ExitCode == 0);
        if (!accepted)
        {
            Assert.Contains("services.flotilla-agent.interval' is not of type `integer between 1 and 3600 (both inclusive)'", result.StandardError, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task An_option_neither_flotilla_nor_nixfleet_has_does_not_exist()
    {
        using var dir = new TempDirectory();
        NixFixtures.ModulesTo(dir);

        var result = await NixFixtures.EvaluateAsync(dir, NixOS("./nixfleet/csb0.nix", "{ services.flotilla-agent.dashboardColour = \"red\"; }"));

        Assert.Contains("The option `services.flotilla-agent.dashboardColour' does not exist.", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task On_linux_home_manager_runs_a_systemd_user_service()
    {
        using var dir = new TempDirectory();
        NixFixtures.ModulesTo(dir);

        var result = await NixFixtures.EvaluateAsync(dir, Home("./nixfleet/imac0.nix", "x86_64-linux"));

        Assert.True(result.ExitCode == 0, result.StandardError);
        using var json = JsonDocument.Parse(result.StandardOutput);
        Assert.Empty(json.RootElement.GetProperty("launchd").EnumerateObject());
        var service = json.RootElement.GetProperty("systemd").GetProperty("flotilla-agent");
        Assert.Equal(
            "/nix/store/00000000000000000000000000000008-flotilla/bin/flotilla agent --token-file /Users/yourname/.config/nixfleet/token --url wss://fleet.example.com --interval 10 --log-level debug " +
            "--repo /Users/yourname/.local/state/flotilla-agent/repo --repo-url git@github.com:you/nixcfg.git --branch main --hostname imac0 --tag home --tag desktop",
            service.GetProperty("Service").GetProperty("ExecStart").GetString());
        Assert.Equal("always", service.GetProperty("Service").GetProperty("Restart").GetString());
        Assert.False(service.GetProperty("Unit").GetProperty("X-RestartIfChanged").GetBoolean());
        Assert.Equal(["default.target"], service.GetProperty("Install").GetProperty("WantedBy").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("home-manager-generation", json.RootElement.GetProperty("activation").GetString());
    }

    [Fact]
    public async Task On_macos_home_manager_runs_a_launchd_agent()
    {
        using var dir = new TempDirectory();
        NixFixtures.ModulesTo(dir);

        var result = await NixFixtures.EvaluateAsync(dir, Home("./nixfleet/imac0.nix", "aarch64-darwin"));

        Assert.True(result.ExitCode == 0, result.StandardError);
        using var json = JsonDocument.Parse(result.StandardOutput);
        Assert.Empty(json.RootElement.GetProperty("systemd").EnumerateObject());
        var agent = json.RootElement.GetProperty("launchd").GetProperty("flotilla-agent").GetProperty("config");
        var arguments = agent.GetProperty("ProgramArguments").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Equal(["agent", "--token-file", "/Users/yourname/.config/nixfleet/token", "--url", "wss://fleet.example.com"], arguments.Skip(1).Take(5));
        Assert.Contains("--hostname", arguments);
        Assert.True(agent.GetProperty("KeepAlive").GetBoolean());
    }

    [Fact]
    public async Task The_home_manager_module_says_the_same_about_unsupported_options()
    {
        using var dir = new TempDirectory();
        NixFixtures.ModulesTo(dir);

        var result = await NixFixtures.EvaluateAsync(dir, Home("./nixfleet/themed.nix", "aarch64-darwin"));

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("services.flotilla-agent.themeColor is NixFleet's and Flotilla does not support it", result.StandardError, StringComparison.Ordinal);
    }
}
