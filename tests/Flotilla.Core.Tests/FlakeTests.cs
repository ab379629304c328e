using System.Text.Json;
using Flotilla.Tests.Support;

namespace Flotilla.Tests;

/// <summary>
/// The repository's flake.nix evaluated with the real nix as a user's flake takes it (an input
/// whose nixpkgs follows the user's), nixpkgs being the stand-in (Fixtures/nix): nixpkgs cannot be
/// fetched here, so the package is never built; these tests read what the flake asks nixpkgs'
/// buildDotnetModule for, and the modules it exports evaluated on the stand-in module system.
/// </summary>
public sealed class FlakeTests
{
    private const string Systems = """[ "x86_64-linux" "aarch64-linux" "x86_64-darwin" "aarch64-darwin" ]""";

    [Fact]
    public async Task Every_system_gets_the_cli_built_with_build_dotnet_module_from_the_locked_nuget_deps()
    {
        using var dir = new TempDirectory();
        NixFixtures.ConsumerFlakeTo(dir, """
            { self, nixpkgs, flotilla }: {
              summary = builtins.mapAttrs (system: p: {
                inherit (p.default) name;
                sameAsFlotilla = p.default == p.flotilla;
                inherit (p.default.dotnetModule) pname version projectFile executables;
                nugetDeps = baseNameOf p.default.dotnetModule.nugetDeps;
                sdk = p.default.dotnetModule.dotnet-sdk.name;
                runtime = p.default.dotnetModule.dotnet-runtime.name;
                runtimeDeps = map (d: d.name) p.default.dotnetModule.runtimeDeps;
                mainProgram = p.default.meta.mainProgram;
              }) flotilla.packages;
            }
            """);

        var result = await NixFixtures.EvaluateFlakeAsync(dir, "summary");

        Assert.True(result.ExitCode == 0, result.StandardError);
        using var json = JsonDocument.Parse(result.StandardOutput);
        Assert.Equal(["aarch64-darwin", "aarch64-linux", "x86_64-darwin", "x86_64-linux"], json.RootElement.EnumerateObject().Select(p => p.Name));
        foreach (var system in json.RootElement.EnumerateObject())
        {
            var package = system.Value;
            Assert.Equal("flotilla-0.1.0", package.GetProperty("name").GetString());
            Assert.True(package.GetProperty("sameAsFlotilla").GetBoolean());
            Assert.Equal("src/Flotilla.Cli/Flotilla.Cli.csproj", package.GetProperty("projectFile").GetString());
            Assert.Equal(["flotilla"], package.GetProperty("executables").EnumerateArray().Select(e => e.GetString()));
            Assert.Equal("deps.json", package.GetProperty("nugetDeps").GetString());
            Assert.Equal("dotnet-sdk-10.0", package.GetProperty("sdk").GetString());
            Assert.Equal("aspnetcore-runtime-10.0", package.GetProperty("runtime").GetString());
            Assert.Equal(["libxcrypt"], package.GetProperty("runtimeDeps").EnumerateArray().Select(e => e.GetString()));
            Assert.Equal("flotilla", package.GetProperty("mainProgram").GetString());
        }
    }

    [Fact]
    public async Task The_package_version_is_the_one_directory_build_props_gives()
    {
        using var dir = new TempDirectory();
        NixFixtures.ConsumerFlakeTo(dir, """{ self, nixpkgs, flotilla }: { version = flotilla.packages.x86_64-linux.default.version or flotilla.packages.x86_64-linux.default.dotnetModule.version; }""");
        var props = Path.Combine(dir.Path, "flotilla", "Directory.Build.props");
        File.WriteAllText(props, File.ReadAllText(props).Replace("<Version>0.1.0</Version>", "<Version>7.3.1</Version>", StringComparison.Ordinal));

        var result = await NixFixtures.EvaluateFlakeAsync(dir, "version");

        Assert.True(result.ExitCode == 0, result.StandardError);
        Assert.Equal("\"7.3.1\"", result.StandardOutput.Trim());
    }

    [Fact]
    public async Task The_overlay_adds_the_same_package_as_flotilla()
    {
        using var dir = new TempDirectory();
        NixFixtures.ConsumerFlakeTo(dir, """
            { self, nixpkgs, flotilla }:
            let
              pkgs = nixpkgs.legacyPackages.aarch64-linux;
              final = pkgs // flotilla.overlays.default final pkgs;
            in {
              overlay = { inherit (final.flotilla) name; sameAsPackage = final.flotilla.drvPath == flotilla.packages.aarch64-linux.default.drvPath; };
            }
            """);

        var result = await NixFixtures.EvaluateFlakeAsync(dir, "overlay");

        Assert.True(result.ExitCode == 0, result.StandardError);
        using var json = JsonDocument.Parse(result.StandardOutput);
        Assert.Equal("flotilla-0.1.0", json.RootElement.GetProperty("name").GetString());
        Assert.True(json.RootElement.GetProperty("sameAsPackage").GetBoolean());
    }

    [Fact]
    public async Task The_nixos_modules_run_the_flakes_own_package_together_on_one_host()
    {
        using var dir = new TempDirectory();
        NixFixtures.ConsumerFlakeTo(dir, """
            { self, nixpkgs, flotilla }:
            let
              pkgs = nixpkgs.legacyPackages.x86_64-linux;
              host = nixpkgs.lib.evalModules {
                modules = with flotilla.nixosModules; [ ./nix/nixos.nix server agent upgrade machine {
                  networking.hostName = "hub";
                  services.flotilla-server = { enable = true; sessionSecretFile = "/run/agenix/session"; };
                  services.flotilla-agent = { enable = true; url = "ws://127.0.0.1:8000/ws"; tokenFile = "/run/agenix/agent-token"; };
                  services.flotilla-upgrade = { enable = true; flake = "/srv/fleet"; };
                  flotilla.machine = { role = "hub"; groups = [ "home" ]; };
                } ];
                specialArgs = { inherit pkgs; };
              };
              units = host.config.systemd.services;
            in {
              host = {
                package = "${flotilla.packages.x86_64-linux.default}";
                server = units.flotilla-server.serviceConfig.ExecStart;
                agent = units.flotilla-agent.serviceConfig.ExecStart;
                upgrade = units.flotilla-upgrade.serviceConfig.ExecStart;
                role = host.config.flotilla.machine.role;
                system = host.config.system.build.toplevel.name;
              };
            }
            """);

        var result = await NixFixtures.EvaluateFlakeAsync(dir, "host");

        Assert.True(result.ExitCode == 0, result.StandardError);
        using var json = JsonDocument.Parse(result.StandardOutput);
        var flotilla = json.RootElement.GetProperty("package").GetString() + "/bin/flotilla";
        Assert.StartsWith(flotilla + " serve --urls http://127.0.0.1:8000 ", json.RootElement.GetProperty("server").GetString(), StringComparison.Ordinal);
        // The upgrade module's run journals are where the dashboard's runs page reads them.
        Assert.Contains(" --state-dir /var/lib/flotilla ", json.RootElement.GetProperty("server").GetString(), StringComparison.Ordinal);
        Assert.StartsWith(flotilla + " agent --token-file %d/token --url ws://127.0.0.1:8000/ws", json.RootElement.GetProperty("agent").GetString(), StringComparison.Ordinal);
        Assert.StartsWith(flotilla + " upgrade -f /srv/fleet", json.RootElement.GetProperty("upgrade").GetString(), StringComparison.Ordinal);
        Assert.Equal("hub", json.RootElement.GetProperty("role").GetString());
        Assert.Equal("nixos-system-hub", json.RootElement.GetProperty("system").GetString()); // no assertion failed
    }

    [Fact]
    public async Task A_package_set_in_the_host_wins_over_the_flakes()
    {
        using var dir = new TempDirectory();
        NixFixtures.ConsumerFlakeTo(dir, """
            { self, nixpkgs, flotilla }:
            let
              pkgs = nixpkgs.legacyPackages.x86_64-linux;
              host = nixpkgs.lib.evalModules {
                modules = [ ./nix/nixos.nix flotilla.nixosModules.server { services.flotilla-server = { enable = true; package = pkgs.flotilla; }; } ];
                specialArgs = { inherit pkgs; };
              };
            in { execStart = host.config.systemd.services.flotilla-server.serviceConfig.ExecStart; }
            """);

        var result = await NixFixtures.EvaluateFlakeAsync(dir, "execStart");

        Assert.True(result.ExitCode == 0, result.StandardError);
        Assert.StartsWith("\"/nix/store/00000000000000000000000000000008-flotilla/bin/flotilla serve ", result.StandardOutput, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("x86_64-linux", "systemd")]
    [InlineData("aarch64-darwin", "launchd")]
    public async Task The_home_manager_module_runs_the_agent_from_the_flakes_package(string system, string manager)
    {
        using var dir = new TempDirectory();
        NixFixtures.ConsumerFlakeTo(dir, $$"""
            { self, nixpkgs, flotilla }:
            let
              pkgs = nixpkgs.legacyPackages.{{system}};
              home = nixpkgs.lib.evalModules {
                modules = [ ./nix/home-manager.nix flotilla.homeManagerModules.agent {
                  home.username = "me"; home.homeDirectory = "/home/me";
                  services.flotilla-agent = { enable = true; url = "wss://fleet.example.org/ws"; tokenFile = "/home/me/.config/flotilla/token"; };
                } ];
                specialArgs = { inherit pkgs; };
              };
            in {
              home = {
                package = "${flotilla.packages.{{system}}.default}";
                launchd = builtins.attrNames home.config.launchd.agents;
                systemd = builtins.attrNames home.config.systemd.user.services;
                activation = home.config.home.activationPackage.name;
                program = if home.config.launchd.agents ? flotilla-agent
                  then builtins.head home.config.launchd.agents.flotilla-agent.config.ProgramArguments
                  else builtins.head (builtins.split " " home.config.systemd.user.services.flotilla-agent.Service.ExecStart);
              };
            }
            """);

        var result = await NixFixtures.EvaluateFlakeAsync(dir, "home");

        Assert.True(result.ExitCode == 0, result.StandardError);
        using var json = JsonDocument.Parse(result.StandardOutput);
        Assert.Equal(["flotilla-agent"], json.RootElement.GetProperty(manager).EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(json.RootElement.GetProperty("package").GetString() + "/bin/flotilla", json.RootElement.GetProperty("program").GetString());
        Assert.Equal("home-manager-generation", json.RootElement.GetProperty("activation").GetString());
    }

    [Fact]
    public async Task Nix_flake_check_accepts_the_outputs()
    {
        using var dir = new TempDirectory();
        NixFixtures.ConsumerFlakeTo(dir, "{ self, nixpkgs, flotilla }: { }");

        var check = await NixFixtures.OnFlotillaFlakeAsync(dir, "check", "--no-build");
        var show = await NixFixtures.OnFlotillaFlakeAsync(dir, "show", "--json");

        Assert.True(check.ExitCode == 0, check.StandardError);
        Assert.True(show.ExitCode == 0, show.StandardError);
        using var json = JsonDocument.Parse(show.StandardOutput);
        Assert.Equal(["agent", "machine", "server", "upgrade"], json.RootElement.GetProperty("nixosModules").EnumerateObject().Select(p => p.Name));
        Assert.Equal(["default"], json.RootElement.GetProperty("overlays").EnumerateObject().Select(p => p.Name));
        Assert.True(json.RootElement.TryGetProperty("homeManagerModules", out _));
        Assert.Equal(JsonSerializer.Deserialize<string[]>(Systems.Replace(" ", ",", StringComparison.Ordinal).Replace("[,", "[", StringComparison.Ordinal).Replace(",]", "]", StringComparison.Ordinal))!.Order(StringComparer.Ordinal),
            json.RootElement.GetProperty("packages").EnumerateObject().Select(p => p.Name));
    }
}
