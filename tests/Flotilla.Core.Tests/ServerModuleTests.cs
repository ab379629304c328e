using System.Text.Json;
using Flotilla.Tests.Support;

namespace Flotilla.Tests;

/// <summary>
/// nix/modules/flotilla-server.nix (services.flotilla-server) evaluated with the real nix on the
/// stand-in NixOS module system: the unit it makes, what it keeps out of the Nix store and the
/// command line, and the settings it refuses.
/// </summary>
public sealed class ServerModuleTests
{
    private const string Flotilla = "/nix/store/00000000000000000000000000000008-flotilla/bin/flotilla";

    private static string Host(string settings) => $$"""
        let
          lib = import ./nix/lib.nix;
          pkgs = import ./nix/pkgs.nix { };
          system = lib.evalModules {
            modules = [
              ./nix/nixos.nix
              ./modules/flotilla-server.nix
              { services.flotilla-server = { enable = true; package = pkgs.flotilla; }; }
              { services.flotilla-server = {{settings}}; }
            ];
            specialArgs = { inherit pkgs; };
          };
          unit = system.config.systemd.services.flotilla-server;
        in {
          inherit unit;
          users = system.config.users.users;
          groups = system.config.users.groups;
          tmpfiles = system.config.systemd.tmpfiles.rules;
          firewall = system.config.networking.firewall.allowedTCPPorts;
          postgresql = system.config.services.postgresql;
          system = system.config.system.build.toplevel.name;
        }
        """;

    private static async Task<JsonDocument> EvaluateAsync(TempDirectory dir, string settings)
    {
        var result = await NixFixtures.EvaluateAsync(dir, Host(settings));
        Assert.True(result.ExitCode == 0, result.StandardError);
        return JsonDocument.Parse(result.StandardOutput);
    }

    private static TempDirectory Modules()
    {
        var dir = new TempDirectory();
        NixFixtures.ModulesTo(dir);
        return dir;
    }

    [Fact]
    public async Task Secrets_reach_the_server_as_credentials_and_their_contents_are_nowhere_in_the_configuration()
    {
        using var dir = Modules();
        var contents = new Dictionary<string, string>
        {
            ["passwordHashFile"] = "$2b$04$c2VjcmV0LXBhc3N3b3JkLWhhc2gtdmFsdWU",
            ["totpSecretFile"] = "JBSWY3DPEHPK3PXPSECRETTOTP",
            ["sessionSecretFile"] = "5e55105e55105e55105e55105e55105e",
            ["enrolmentTokenFile"] = "enrol-me-secret-token",
            ["databaseUrlFile"] = "postgres://flotilla:hunter2-secret@db.internal/flotilla",
        };
        var files = contents.ToDictionary(c => c.Key, c => dir.Write(Path.Combine("secrets", c.Key), c.Value));

        using var json = await EvaluateAsync(dir, "{ " + string.Concat(files.Select(f => $"{f.Key} = \"{f.Value}\"; ")) + "}");

        var unit = json.RootElement.GetProperty("unit");
        var service = unit.GetProperty("serviceConfig");
        Assert.Equal(
            $"{Flotilla} serve --urls http://127.0.0.1:8000 --data-dir /var/lib/flotilla-server --state-dir /var/lib/flotilla-server " +
            "--password-hash-file %d/password-hash --totp-secret-file %d/totp-secret --session-secret-file %d/session-secret " +
            "--enrolment-token-file %d/enrolment-token --database-file %d/database-url",
            service.GetProperty("ExecStart").GetString());
        Assert.Equal(
            [
                "password-hash:" + files["passwordHashFile"], "totp-secret:" + files["totpSecretFile"], "session-secret:" + files["sessionSecretFile"],
                "enrolment-token:" + files["enrolmentTokenFile"], "database-url:" + files["databaseUrlFile"],
            ],
            service.GetProperty("LoadCredential").EnumerateArray().Select(e => e.GetString()));
        Assert.False(service.TryGetProperty("Environment", out _));
        Assert.False(service.TryGetProperty("EnvironmentFile", out _));
        Assert.False(unit.TryGetProperty("environment", out _));
        var everything = json.RootElement.GetRawText();
        Assert.All(contents.Values, secret => Assert.DoesNotContain(secret, everything, StringComparison.Ordinal));
        Assert.DoesNotContain("hunter2", everything, StringComparison.Ordinal);
        Assert.Equal("nixos-system-nixos", json.RootElement.GetProperty("system").GetString()); // no assertion failed
    }

    [Fact]
    public async Task The_server_runs_hardened_as_its_own_user_with_a_private_data_directory_restarted_and_started_at_boot()
    {
        using var dir = Modules();

        using var json = await EvaluateAsync(dir, "{ }");

        var unit = json.RootElement.GetProperty("unit");
        var service = unit.GetProperty("serviceConfig");
        Assert.Equal(["multi-user.target"], unit.GetProperty("wantedBy").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("on-failure", service.GetProperty("Restart").GetString());
        Assert.Equal("flotilla", service.GetProperty("User").GetString());
        Assert.Equal("flotilla", service.GetProperty("Group").GetString());
        Assert.True(json.RootElement.GetProperty("users").GetProperty("flotilla").GetProperty("isSystemUser").GetBoolean());
        Assert.True(json.RootElement.GetProperty("groups").TryGetProperty("flotilla", out _));
        Assert.Equal("flotilla-server", service.GetProperty("StateDirectory").GetString());
        Assert.Equal("0700", service.GetProperty("StateDirectoryMode").GetString());
        Assert.Equal("0077", service.GetProperty("UMask").GetString());
        Assert.Empty(json.RootElement.GetProperty("tmpfiles").EnumerateArray());
        Assert.Equal("strict", service.GetProperty("ProtectSystem").GetString());
        foreach (var setting in new[] { "NoNewPrivileges", "PrivateTmp", "ProtectHome", "PrivateDevices", "ProtectKernelTunables", "ProtectKernelModules", "ProtectControlGroups", "RestrictNamespaces", "RestrictSUIDSGID", "LockPersonality" })
        {
            Assert.True(service.GetProperty(setting).GetBoolean(), setting);
        }

        Assert.Equal(["AF_UNIX", "AF_INET", "AF_INET6"], service.GetProperty("RestrictAddressFamilies").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("", service.GetProperty("CapabilityBoundingSet").GetString());
        Assert.Empty(service.GetProperty("LoadCredential").EnumerateArray());
        Assert.Empty(json.RootElement.GetProperty("firewall").EnumerateArray());
        Assert.False(json.RootElement.GetProperty("postgresql").GetProperty("enable").GetBoolean());
    }

    [Fact]
    public async Task A_data_directory_outside_var_lib_is_made_0700_for_the_user_and_is_the_only_place_it_writes_besides_state()
    {
        using var dir = Modules();

        using var json = await EvaluateAsync(dir, """{ dataDir = "/srv/flotilla"; user = "fleet"; group = "fleet"; }""");

        var service = json.RootElement.GetProperty("unit").GetProperty("serviceConfig");
        Assert.Equal(["d /srv/flotilla 0700 fleet fleet - -"], json.RootElement.GetProperty("tmpfiles").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["/srv/flotilla"], service.GetProperty("ReadWritePaths").EnumerateArray().Select(e => e.GetString()));
        Assert.False(service.TryGetProperty("StateDirectory", out _));
        Assert.Contains(" --data-dir /srv/flotilla ", service.GetProperty("ExecStart").GetString(), StringComparison.Ordinal);
        // A user of your own is yours to declare.
        Assert.False(json.RootElement.GetProperty("users").TryGetProperty("flotilla", out _));
        Assert.False(json.RootElement.GetProperty("users").TryGetProperty("fleet", out _));
    }

    [Fact]
    public async Task Listening_on_every_address_at_a_low_port_opens_the_firewall_and_grants_only_the_bind_capability()
    {
        using var dir = Modules();

        using var json = await EvaluateAsync(dir, """{ address = "::"; port = 443; openFirewall = true; trustedProxies = [ "10.0.0.5" "172.16.0.0/12" ]; }""");

        var service = json.RootElement.GetProperty("unit").GetProperty("serviceConfig");
        Assert.StartsWith($"{Flotilla} serve --urls 'http://[::]:443' ", service.GetProperty("ExecStart").GetString(), StringComparison.Ordinal);
        Assert.EndsWith(" --trusted-proxy 10.0.0.5 --trusted-proxy 172.16.0.0/12", service.GetProperty("ExecStart").GetString(), StringComparison.Ordinal);
        Assert.Equal([443], json.RootElement.GetProperty("firewall").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal("CAP_NET_BIND_SERVICE", service.GetProperty("CapabilityBoundingSet").GetString());
        Assert.Equal("CAP_NET_BIND_SERVICE", service.GetProperty("AmbientCapabilities").GetString());
    }

    [Fact]
    public async Task A_local_postgresql_is_set_up_for_the_servers_user_and_reached_without_a_password()
    {
        using var dir = Modules();

        using var json = await EvaluateAsync(dir, "{ database.createLocally = true; }");

        var unit = json.RootElement.GetProperty("unit");
        var postgresql = json.RootElement.GetProperty("postgresql");
        Assert.True(postgresql.GetProperty("enable").GetBoolean());
        Assert.Equal(["flotilla"], postgresql.GetProperty("ensureDatabases").EnumerateArray().Select(e => e.GetString()));
        var user = Assert.Single(postgresql.GetProperty("ensureUsers").EnumerateArray());
        Assert.Equal("flotilla", user.GetProperty("name").GetString());
        Assert.True(user.GetProperty("ensureDBOwnership").GetBoolean());
        Assert.Contains(" --database 'postgres://flotilla@localhost/flotilla?host=/run/postgresql' ", unit.GetProperty("serviceConfig").GetProperty("ExecStart").GetString() + " ", StringComparison.Ordinal);
        Assert.Equal(["postgresql.service"], unit.GetProperty("requires").EnumerateArray().Select(e => e.GetString()));
        Assert.Contains("postgresql.service", unit.GetProperty("after").EnumerateArray().Select(e => e.GetString()));
    }

    [Theory]
    [InlineData("passwordHash", "passwordHashFile")]
    [InlineData("totpSecret", "totpSecretFile")]
    [InlineData("sessionSecret", "sessionSecretFile")]
    [InlineData("enrolmentToken", "enrolmentTokenFile")]
    [InlineData("databaseUrl", "databaseUrlFile")]
    public async Task A_secret_given_as_a_value_fails_naming_the_file_option_and_not_repeating_the_secret(string value, string file)
    {
        using var dir = Modules();

        var result = await NixFixtures.EvaluateAsync(dir, Host($$"""{ {{value}} = "s3cret-value-9f2"; }"""));

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains($"services.flotilla-server.{value}: a secret given as a value ends up in the Nix store", result.StandardError, StringComparison.Ordinal);
        Assert.Contains($"set services.flotilla-server.{file} to its path", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret-value-9f2", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_secret_file_given_as_a_nix_path_is_refused_since_nix_would_copy_it_to_the_store()
    {
        using var dir = Modules();
        dir.Write("session-secret", "5e55105e55105e55105e55105e55105e");

        var result = await NixFixtures.EvaluateAsync(dir, Host("{ sessionSecretFile = ./session-secret; }"));

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("sessionSecretFile", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("5e55105e", result.StandardError, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("totpSecretFile", "JBSWY3DPEHPK3PXP", "is not an absolute path")]
    [InlineData("passwordHashFile", "/nix/store/00000000000000000000000000000000-hash", "is in the Nix store")]
    public async Task A_secret_file_that_is_not_a_file_outside_the_store_fails_saying_why(string option, string path, string why)
    {
        using var dir = Modules();

        var result = await NixFixtures.EvaluateAsync(dir, Host($$"""{ {{option}} = "{{path}}"; }"""));

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains($"services.flotilla-server.{option} {why}", result.StandardError, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{ credentialsFile = "/run/agenix/creds"; sessionSecretFile = "/run/agenix/session"; }""", "set it or passwordHashFile, totpSecretFile and sessionSecretFile, not both")]
    [InlineData("""{ database.createLocally = true; databaseUrlFile = "/run/agenix/db"; }""", "database.createLocally and databaseUrlFile both name the database")]
    [InlineData("""{ dataDir = "var/lib/flotilla"; }""", "dataDir must be an absolute path outside the Nix store")]
    public async Task Settings_that_contradict_each_other_fail_saying_which(string settings, string message)
    {
        using var dir = Modules();

        var result = await NixFixtures.EvaluateAsync(dir, Host(settings));

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(message, result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_enable_the_module_adds_nothing()
    {
        using var dir = Modules();

        var result = await NixFixtures.EvaluateAsync(dir, """
            let
              lib = import ./nix/lib.nix;
              pkgs = import ./nix/pkgs.nix { };
              system = lib.evalModules { modules = [ ./nix/nixos.nix ./modules/flotilla-server.nix ]; specialArgs = { inherit pkgs; }; };
            in { services = builtins.attrNames system.config.systemd.services; users = builtins.attrNames system.config.users.users; }
            """);

        Assert.True(result.ExitCode == 0, result.StandardError);
        Assert.Equal("""{"services":[],"users":[]}""", result.StandardOutput.Trim());
    }
}
