using System.Text.Json;
using Flotilla.Tests.Support;

namespace Flotilla.Tests;

/// <summary>What nix/modules/flotilla-server.nix passes to <c>flotilla serve</c> is what the command takes.</summary>
public sealed class ServerModuleContractTests
{
    [Fact]
    public async Task Every_option_the_server_module_passes_is_one_flotilla_serve_knows()
    {
        using var dir = new TempDirectory();
        NixFixtures.ModulesTo(dir);
        // Every setting that adds an argument, once with each way of naming the database.
        var result = await NixFixtures.EvaluateAsync(dir, """
            let
              lib = import ./nix/lib.nix;
              pkgs = import ./nix/pkgs.nix { };
              server = settings: (lib.evalModules {
                modules = [
                  ./nix/nixos.nix
                  ./modules/flotilla-server.nix
                  { services.flotilla-server = {
                      enable = true; package = pkgs.flotilla;
                      enrolmentTokenFile = "/run/agenix/enrolment"; trustedProxies = [ "127.0.0.1" ];
                      allowCommands = true; dashboard = false; inventory = "/srv/fleet"; runsDir = "/var/lib/flotilla";
                    }; }
                  { services.flotilla-server = settings; }
                ];
                specialArgs = { inherit pkgs; };
              }).config.systemd.services.flotilla-server.serviceConfig.ExecStart;
            in map (s: builtins.filter builtins.isString (builtins.split " " s)) [
              (server { passwordHashFile = "/run/agenix/hash"; totpSecretFile = "/run/agenix/totp"; sessionSecretFile = "/run/agenix/session"; databaseUrlFile = "/run/agenix/db"; })
              (server { credentialsFile = "/run/agenix/creds"; database.createLocally = true; })
            ]
            """);
        Assert.True(result.ExitCode == 0, result.StandardError);
        using var json = JsonDocument.Parse(result.StandardOutput);
        var options = json.RootElement.EnumerateArray().SelectMany(e => e.EnumerateArray()).Select(e => e.GetString()!)
            .Where(a => a.StartsWith("--", StringComparison.Ordinal)).Distinct().Order(StringComparer.Ordinal).ToList();

        var help = await CliRunner.RunAsync(dir.Path, "serve", "--help");

        Assert.Equal(0, help.ExitCode);
        Assert.Equal(
            [
                "--allow-commands", "--credentials-file", "--data-dir", "--database", "--database-file", "--enrolment-token-file", "--file",
                "--no-dashboard", "--password-hash-file", "--session-secret-file", "--state-dir", "--totp-secret-file", "--trusted-proxy", "--urls",
            ],
            options);
        Assert.All(options, o => Assert.Contains(o + " ", help.Output, StringComparison.Ordinal));
    }
}
