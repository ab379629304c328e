using Flotilla.Inventory;
using Flotilla.Processes;
using Flotilla.Tests.Support;
using Flotilla.Validation;

namespace Flotilla.Tests.Inventory;

/// <summary>
/// A flake in the shape of orther/doomlab's (the project seeds 000 and 001 come from): containers
/// declared with NixOS's virtualisation.oci-containers, as compose2nix writes them, and with the
/// seeds' services.dagger options; read with the real nix, in the one evaluation of the fleet.
/// </summary>
public sealed class DoomlabFlakeTests
{
    [Fact]
    public async Task Oci_containers_of_a_host_are_its_container_services_read_unchanged()
    {
        using var dir = new TempDirectory();
        NixFixtures.CopyTo(dir, "doomlab");

        var fleet = await InventoryLoader.LoadAsync(dir.Path, dir.Path);

        Assert.Empty(fleet.Diagnostics.Select(d => $"{d.Path}: {d.Message}"));
        var homebridge = fleet.Services.Single(s => s.Host == "svr3chng" && s.Container!.Image == "ghcr.io/homebridge/homebridge").Container!;
        Assert.Equal(ContainerSource.OciContainers, homebridge.Source);
        Assert.Equal("host", homebridge.Network);
        Assert.Equal("registry", homebridge.AutoUpdate);
        Assert.Equal(["/var/lib/homebridge:/homebridge:rw"], homebridge.Volumes.ToArray());
        Assert.Equal(["--log-opt=max-file=1", "--log-opt=max-size=10mb", "--network=host", "--dns=1.1.1.1,1.0.0.1"], homebridge.ExtraOptions.ToArray());
        Assert.Equal("journald", homebridge.LogDriver);
        Assert.True(homebridge.AutoStart);
        var scrypted = fleet.Services.Single(s => s.Name == "scrypted");
        Assert.Equal("svr3chng", scrypted.Host);
        Assert.Equal("true", scrypted.Container!.Environment["SCRYPTED_DOCKER_AVAHI"]);
        Assert.Contains("--security-opt=apparmor:unconfined", scrypted.Container.ExtraOptions);
    }

    [Fact]
    public async Task Seed_000_s_dagger_homebridge_has_its_ports_range_health_backup_and_secrets_directory()
    {
        using var dir = new TempDirectory();
        NixFixtures.CopyTo(dir, "doomlab");

        var fleet = await InventoryLoader.LoadAsync(dir.Path, dir.Path);

        // svr3chng runs an oci-containers homebridge too: both are named by their host.
        Assert.Equal(["svr1chng/homebridge", "svr3chng/homebridge"], fleet.Services.Where(s => s.Name.EndsWith("homebridge", StringComparison.Ordinal)).Select(s => s.Name).Order(StringComparer.Ordinal));
        var service = fleet.Services.Single(s => s.Name == "svr1chng/homebridge");
        Assert.Equal("svr1chng", service.Host);
        Assert.Equal([8581, 50000, 50001, 50002, .. Enumerable.Range(50100, 101)], service.Ports.ToArray());
        var check = Assert.Single(service.HealthChecks);
        Assert.Equal((HealthCheckKind.Http, "http://localhost:8581/"), (check.Kind, check.Url));
        Assert.Equal(("kopia", "/var/lib/homebridge"), (service.Backup!.Tool, Assert.Single(service.Backup.Paths)));
        var container = service.Container!;
        Assert.Equal(ContainerSource.Dagger, container.Source);
        Assert.Equal(("ghcr.io/homebridge/homebridge:latest", "host", "registry"), (container.Image, container.Network, container.AutoUpdate));
        Assert.Equal("/run/dagger-secrets", container.SecretsDirectory);
        Assert.Equal(["/var/lib/homebridge:/homebridge:rw"], container.Volumes.ToArray());
        Assert.Empty(container.Ports); // host networking publishes nothing
        // Seed 000's limits on its dagger-automation-homebridge unit become the container's own.
        Assert.Equal(("2G", "2", (int?)1000), (container.Memory, container.Cpus, container.TasksMax));
        // svr3chng's compose2nix homebridge: its unit's Restart (mkOverride 500 "always").
        Assert.Equal("always", fleet.Services.Single(s => s.Name == "svr3chng/homebridge").Container!.Restart);
        Assert.Empty(FleetValidator.Validate(fleet).Where(d => d.IsError));
    }

    [Fact]
    public async Task A_nixos_service_beside_the_container_that_replaces_it_is_the_container_s_legacy_twin()
    {
        using var dir = new TempDirectory();
        NixFixtures.CopyTo(dir, "doomlab");
        // Before migrating, svr2chng still runs nixarr's NixOS sonarr (nixpkgs' module) beside the
        // container that replaces it: the two cannot run at once (one port), so the fixture's
        // deployable fleet does not have it.
        var configuration = Path.Combine(dir.Path, "machines", "svr2chng", "configuration.nix");
        File.WriteAllText(configuration, File.ReadAllText(configuration)
            .Replace("imports = [./../../services/dagger/nixarr.nix];", "imports = [./../../services/dagger/nixarr.nix ./../../modules/servarr.nix];", StringComparison.Ordinal)
            .Replace("networking.hostName = \"svr2chng\";", "services.sonarr = { enable = true; dataDir = \"/var/lib/nixarr/sonarr\"; };\n  networking.hostName = \"svr2chng\";", StringComparison.Ordinal));

        var fleet = await InventoryLoader.LoadAsync(dir.Path, dir.Path);

        Assert.Empty(fleet.Diagnostics.Select(d => $"{d.Path}: {d.Message}"));
        // svr2chng runs nixpkgs' sonarr (services.sonarr, unit sonarr) and seed 001's container sonarr.
        var sonarr = fleet.Services.Single(s => s.Host == "svr2chng" && s.Name == "sonarr");
        var legacy = sonarr.Legacy!;
        Assert.Equal(("sonarr.service", "/var/lib/nixarr/sonarr", "sonarr:sonarr"), (legacy.Unit, legacy.DataDirectory, legacy.User));
        Assert.Equal([8989], legacy.Ports.ToArray());
        Assert.EndsWith(".systemd.services.\"sonarr\"", legacy.SourcePath, StringComparison.Ordinal);
        // The other containers have no NixOS twin.
        Assert.All(fleet.Services.Where(s => s.Name != "sonarr"), s => Assert.Null(s.Legacy));
        Assert.Empty(FleetValidator.Validate(fleet).Where(d => d.IsError));
    }

    [Fact]
    public async Task Seed_001_s_nixarr_set_has_the_seed_s_images_ports_user_and_dependencies()
    {
        using var dir = new TempDirectory();
        NixFixtures.CopyTo(dir, "doomlab");

        var fleet = await InventoryLoader.LoadAsync(dir.Path, dir.Path);

        var nixarr = fleet.Services.Where(s => s.Host == "svr2chng").ToDictionary(s => s.Name);
        Assert.Equal(["bazarr", "jellyfin", "prowlarr", "radarr", "sonarr", "transmission"], nixarr.Keys.Order(StringComparer.Ordinal));
        Assert.All(nixarr.Values, s =>
        {
            Assert.Equal($"lscr.io/linuxserver/{s.Name}:latest", s.Container!.Image);
            Assert.Equal("568:568", s.Container.User);
            Assert.Equal(ContainerSource.DaggerNixarr, s.Container.Source);
            Assert.Equal("/run/dagger-secrets", s.Container.SecretsDirectory);
            Assert.Contains($"/var/lib/nixarr/{s.Name}:/config", s.Container.Volumes);
        });
        Assert.Equal(
            new Dictionary<string, int> { ["sonarr"] = 8989, ["radarr"] = 7878, ["prowlarr"] = 9696, ["bazarr"] = 6767, ["transmission"] = 9091, ["jellyfin"] = 8096 },
            nixarr.ToDictionary(p => p.Key, p => Assert.Single(p.Value.Ports)));
        Assert.Equal(["9091:9091", "46634:46634", "46634:46634/udp"], nixarr["transmission"].Container!.Ports.ToArray());
        Assert.Equal(["prowlarr", "transmission"], nixarr["sonarr"].DependsOn.ToArray());
        Assert.Equal(["prowlarr", "transmission"], nixarr["radarr"].DependsOn.ToArray());
        Assert.Equal(["sonarr", "radarr"], nixarr["bazarr"].DependsOn.ToArray());
        Assert.Empty(nixarr["prowlarr"].DependsOn);
        Assert.Equal("http://localhost:9696/ping", Assert.Single(nixarr["prowlarr"].HealthChecks).Url);
        Assert.Equal((HealthCheckKind.Tcp, 9091), (Assert.Single(nixarr["transmission"].HealthChecks).Kind, nixarr["transmission"].HealthChecks[0].Port));
        Assert.Empty(FleetValidator.Validate(fleet).Where(d => d.IsError));
    }

    [Fact]
    public async Task A_nixarr_service_left_disabled_is_not_a_dependency_of_the_others()
    {
        using var dir = new TempDirectory();
        NixFixtures.CopyTo(dir, "doomlab");
        NixFixtures.Machine(dir, "svr2chng", """
            {...}: {
              imports = [./../../services/dagger/nixarr.nix];
              services.dagger.nixarr = {
                sonarr.enable = true;
                transmission.enable = true;
              };
              networking.hostName = "svr2chng";
            }
            """);

        var fleet = await InventoryLoader.LoadAsync(dir.Path, dir.Path);

        var sonarr = fleet.Services.Single(s => s.Name == "sonarr");
        Assert.Equal(["transmission"], sonarr.DependsOn.ToArray());
        Assert.Equal(["sonarr", "transmission"], fleet.Services.Where(s => s.Host == "svr2chng").Select(s => s.Name).Order(StringComparer.Ordinal));
        Assert.Null(fleet.Services.Single(s => s.Name == "transmission").Container!.SecretsDirectory); // the secrets bridge is off
    }

    [Fact]
    public async Task Container_dependencies_and_limits_written_as_podman_options_are_read_and_checked()
    {
        using var dir = new TempDirectory();
        NixFixtures.CopyTo(dir, "doomlab");
        NixFixtures.Machine(dir, "svr3chng", """
            {...}: {
              virtualisation.oci-containers.containers = {
                db = {
                  image = "docker.io/library/postgres:16";
                  extraOptions = [ "--memory=2g" "--cpus=2" "--pids-limit=1000" ];
                  environmentFiles = [ ./db.env ];
                };
                app = {
                  image = "ghcr.io/example/app:1";
                  dependsOn = [ "db" "cache" ];
                  ports = [ "127.0.0.1:8080:80" ];
                  user = "568:568";
                  cmd = [ "--port=80" ];
                  autoStart = false;
                };
              };
              networking.hostName = "svr3chng";
            }
            """);
        dir.Write(Path.Combine("machines", "svr3chng", "db.env"), "POSTGRES_PASSWORD=not-for-the-store\n");

        var fleet = await InventoryLoader.LoadAsync(dir.Path, dir.Path);
        var errors = FleetValidator.Validate(fleet).Where(d => d.IsError).ToList();

        var db = fleet.Services.Single(s => s.Name == "db").Container!;
        Assert.Equal(("2g", "2", 1000), (db.Memory, db.Cpus, db.TasksMax));
        // A Nix path is read as the path it is (in the flake's source), not copied again as a file of its own.
        Assert.EndsWith("/machines/svr3chng/db.env", Assert.Single(db.EnvironmentFiles), StringComparison.Ordinal);
        var app = fleet.Services.Single(s => s.Name == "app");
        Assert.Equal(["db", "cache"], app.DependsOn.ToArray());
        Assert.Equal(("568:568", false), (app.Container!.User, app.Container.AutoStart));
        Assert.Equal(["--port=80"], app.Container.Command.ToArray());
        var error = Assert.Single(errors);
        Assert.Contains("\"cache\"", error.Message, StringComparison.Ordinal);
        Assert.Equal("nixosConfigurations.svr3chng.config.virtualisation.oci-containers.containers.app.dependsOn[1]", error.Path);
    }

    [Fact]
    public async Task A_container_option_that_cannot_be_evaluated_names_its_path_and_the_other_containers_load()
    {
        using var dir = new TempDirectory();
        NixFixtures.CopyTo(dir, "doomlab");
        NixFixtures.Machine(dir, "svr3chng", """
            {...}: {
              imports = [ ./../../services/scrypted.nix ];
              virtualisation.oci-containers.containers.homebridge = {
                image = throw "homebridge: pick an image tag first";
              };
              networking.hostName = "svr3chng";
            }
            """);

        var fleet = await InventoryLoader.LoadAsync(dir.Path, dir.Path);

        var error = Assert.Single(fleet.Diagnostics.Where(d => d.IsError).Select(d => $"{d.Path}: {d.Message}"));
        Assert.StartsWith("nixosConfigurations.svr3chng.config.virtualisation.oci-containers.containers.homebridge.image: ", error, StringComparison.Ordinal);
        Assert.Contains("homebridge: pick an image tag first", error, StringComparison.Ordinal);
        Assert.Equal("ghcr.io/koush/scrypted", fleet.Services.Single(s => s.Name == "scrypted").Container!.Image);
    }

    [Fact]
    public async Task Flotilla_s_container_module_declares_the_oci_container_and_flotilla_reads_its_health_limits_secrets_and_backup()
    {
        using var dir = new TempDirectory();
        NixFixtures.CopyTo(dir, "doomlab");
        foreach (var module in new[] { "flotilla-containers.nix", "flotilla-backups.nix", "flotilla-backup-scripts.nix" })
        {
            File.Copy(Repository.PathOf("nix", "modules", module), Path.Combine(dir.Path, "modules", module));
        }
        Directory.Delete(Path.Combine(dir.Path, "machines", "svr2chng"), recursive: true); // its nixarr set has a sonarr and a prowlarr too
        NixFixtures.Machine(dir, "svr3chng", """
            {...}: {
              imports = [ ./../../modules/flotilla-containers.nix ];
              flotilla.containers = {
                prowlarr = { image = "lscr.io/linuxserver/prowlarr:latest"; ports = [ "9696:9696" ]; };
                sonarr = {
                  image = "lscr.io/linuxserver/sonarr:latest";
                  ports = [ "8989:8989" ];
                  user = "568:568";
                  dependsOn = [ "prowlarr" "db" ];
                  health = [ { type = "http"; url = "http://localhost:8989/ping"; } ];
                  resources = { memory = "2g"; cpus = "2"; tasksMax = 1000; };
                  secrets.api-key = { file = "/etc/flotilla/secrets/sonarr-api-key.age"; };
                  backup = { paths = [ "/var/lib/nixarr/sonarr" ]; tool = "restic"; repository = "/srv/backup"; };
                  autoUpdate = "registry";
                };
                old = { enable = false; image = "docker.io/library/busybox"; };
              };
              networking.hostName = "svr3chng";
            }
            """);
        NixFixtures.Machine(dir, "svr1chng", """
            {...}: {
              virtualisation.oci-containers.containers.db.image = "docker.io/library/postgres:16";
              networking.hostName = "svr1chng";
            }
            """);

        var fleet = await InventoryLoader.LoadAsync(dir.Path, dir.Path);
        var oci = await ProcessRunner.RunAsync("nix", ["--extra-experimental-features", "nix-command flakes", "eval", "--json",
            "path:" + dir.Path + "#nixosConfigurations.svr3chng.config.virtualisation.oci-containers.containers.sonarr"]);

        Assert.Equal("", string.Join("\n", fleet.Diagnostics.Select(d => $"{d.Path}: {d.Message}")));
        Assert.Equal(["prowlarr", "sonarr"], fleet.Services.Where(s => s.Host == "svr3chng").Select(s => s.Name).Order(StringComparer.Ordinal));
        var sonarr = fleet.Services.Single(s => s.Name == "sonarr");
        Assert.Equal(["prowlarr", "db"], sonarr.DependsOn.ToArray()); // db runs on svr1chng: Flotilla orders it, systemd does not
        Assert.Equal("http://localhost:8989/ping", Assert.Single(sonarr.HealthChecks).Url);
        Assert.Equal(("restic", "/srv/backup"), (sonarr.Backup!.Tool, sonarr.Backup.Repository));
        var container = sonarr.Container!;
        Assert.Equal((ContainerSource.FlotillaModule, "2g", "2", (int?)1000, "registry", "568:568"), (container.Source, container.Memory, container.Cpus, container.TasksMax, container.AutoUpdate, container.User));
        var secret = Assert.Single(container.Secrets);
        Assert.Equal(("api-key", "/etc/flotilla/secrets/sonarr-api-key.age", SecretFormat.Age, "0440"), (secret.Name, secret.File, secret.Format, secret.Mode));
        Assert.Empty(FleetValidator.Validate(fleet).Where(d => d.IsError));

        Assert.True(oci.ExitCode == 0, oci.StandardError);
        using var declared = System.Text.Json.JsonDocument.Parse(oci.StandardOutput);
        string[] Strings(string key) => [.. declared.RootElement.GetProperty(key).EnumerateArray().Select(e => e.GetString()!)];
        Assert.Equal(["--memory=2g", "--cpus=2", "--pids-limit=1000"], Strings("extraOptions"));
        Assert.Equal(["prowlarr"], Strings("dependsOn"));
        Assert.Equal(["/run/flotilla-secrets/sonarr/api-key:/run/secrets/api-key:ro"], Strings("volumes"));
        Assert.Equal("registry", declared.RootElement.GetProperty("labels").GetProperty("io.containers.autoupdate").GetString());
        Assert.DoesNotContain("sonarr-api-key", oci.StandardOutput, StringComparison.Ordinal);

        // A container that keeps dying is given up on, not restarted forever.
        var unit = await ProcessRunner.RunAsync("nix", ["--extra-experimental-features", "nix-command flakes", "eval", "--json",
            "path:" + dir.Path + "#nixosConfigurations.svr3chng.config.systemd.services.podman-sonarr"]);
        Assert.True(unit.ExitCode == 0, unit.StandardError);
        using var service = System.Text.Json.JsonDocument.Parse(unit.StandardOutput);
        // The stand-in's systemd.services takes anything, so mkDefault stays as NixOS's module system would read it.
        static System.Text.Json.JsonElement Value(System.Text.Json.JsonElement e) => e.ValueKind == System.Text.Json.JsonValueKind.Object && e.TryGetProperty("content", out var c) ? c : e;
        Assert.Equal("on-failure", Value(service.RootElement.GetProperty("serviceConfig").GetProperty("Restart")).GetString());
        Assert.Equal(5, Value(service.RootElement.GetProperty("unitConfig").GetProperty("StartLimitBurst")).GetInt32());
    }
}
