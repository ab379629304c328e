using Flotilla.Inventory;

namespace Flotilla.Execution.Tests;

public sealed class ContainerRunTests
{
    [Fact]
    public void The_arguments_are_what_nixos_s_podman_unit_runs_with_the_limits_flotilla_reads()
    {
        var container = new ContainerSpec
        {
            Name = "sonarr",
            Image = "lscr.io/linuxserver/sonarr:latest",
            Ports = ["8989:8989"],
            Volumes = ["/var/lib/nixarr/sonarr:/config"],
            Environment = System.Collections.Immutable.ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, [KeyValuePair.Create("PUID", "568")]),
            EnvironmentFiles = ["/run/keys/sonarr.env"],
            Labels = System.Collections.Immutable.ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, [KeyValuePair.Create("io.containers.autoupdate", "registry")]),
            User = "568:568",
            Memory = "2g",
            Cpus = "2",
            TasksMax = 1000,
            Network = "bridge",
            Secrets = [new ContainerSecret { Name = "api-key", File = "secrets/sonarr.age" }],
            Command = ["--port=8989"],
        };

        var arguments = ContainerRun.Arguments("sonarr", container);

        Assert.Equal(
            [
                "run", "--rm", "--replace", "--name=sonarr", "--log-driver=journald", "--env-file=/run/keys/sonarr.env",
                "-e", "PUID=568", "-l", "io.containers.autoupdate=registry", "-p", "8989:8989", "-u", "568:568",
                "-v", "/var/lib/nixarr/sonarr:/config", "-v", "/run/flotilla-secrets/sonarr/api-key:/run/secrets/api-key:ro",
                "--network=bridge", "--memory=2g", "--cpus=2", "--pids-limit=1000",
                "lscr.io/linuxserver/sonarr:latest", "--port=8989",
            ],
            arguments);
    }

    [Fact]
    public void Limits_and_network_already_in_the_extra_options_are_not_passed_twice()
    {
        var container = new ContainerSpec
        {
            Image = "ghcr.io/homebridge/homebridge",
            ExtraOptions = ["--network=host", "--memory", "1g", "--pids-limit=500"],
            Network = "host",
            Memory = "1g",
            TasksMax = 500,
            Cpus = "1.5",
        };

        var arguments = ContainerRun.Arguments("homebridge", container, "k8s-file");

        Assert.Single(arguments, a => a.StartsWith("--network", StringComparison.Ordinal));
        Assert.Single(arguments, a => a.StartsWith("--memory", StringComparison.Ordinal));
        Assert.Single(arguments, a => a.StartsWith("--pids-limit", StringComparison.Ordinal));
        Assert.Contains("--cpus=1.5", arguments);
        Assert.Contains("--log-driver=k8s-file", arguments);
        Assert.Equal("ghcr.io/homebridge/homebridge", arguments[^1]);
    }

    [Fact]
    public void A_hostile_value_stays_one_argument()
    {
        var container = new ContainerSpec
        {
            Image = "docker.io/library/busybox",
            Environment = System.Collections.Immutable.ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, [KeyValuePair.Create("X", "$(touch /tmp/pwned); `id` 'q'")]),
        };

        var arguments = ContainerRun.Arguments("app; rm -rf /", container);

        Assert.Contains("--name=app; rm -rf /", arguments);
        Assert.Contains("X=$(touch /tmp/pwned); `id` 'q'", arguments);
    }
}

public sealed class ContainerSecretsTests
{
    private static Fleet FleetWith(params ContainerSecret[] secrets) => new()
    {
        SourcePath = "/srv/fleet/flotilla.json",
        Format = InventoryFormat.Json,
        Hosts = [new Host { Name = "media", Hostname = "media", Target = new Target("10.0.0.2", "root", 22) }],
        Services =
        [
            new Service
            {
                Name = "svr2chng/sonarr",
                Host = "media",
                Container = new ContainerSpec { Name = "sonarr", Image = "lscr.io/linuxserver/sonarr:latest", User = "568:568", Secrets = [.. secrets] },
            },
        ],
    };

    [Fact]
    public void Container_secrets_become_keys_for_the_container_s_user_in_its_secrets_directory()
    {
        var fleet = FleetWith(
            new ContainerSecret { Name = "api-key", File = "secrets/sonarr.age" },
            new ContainerSecret { Name = "db", File = "/srv/secrets.yaml", Format = SecretFormat.Sops, SopsKey = "nixarr/sonarr/db-password", Mode = "0400" });

        var keys = ContainerSecrets.KeysOf(fleet, fleet.Hosts[0], "/root/.config/sops/age/keys.txt");

        Assert.Equal(2, keys.Length);
        Assert.Equal(("api-key", "/run/flotilla-secrets/sonarr", "568", "568", "0440", KeyUploadAt.PreActivation), (keys[0].Name, keys[0].DestDir, keys[0].User, keys[0].Group, keys[0].Permissions, keys[0].UploadAt));
        Assert.Equal(["age", "--decrypt", "--identity", "/root/.config/sops/age/keys.txt", "/srv/fleet/secrets/sonarr.age"], keys[0].CommandLine.ToArray());
        Assert.Equal(["sops", "--decrypt", "--extract", "[\"nixarr\"][\"sonarr\"][\"db-password\"]", "/srv/secrets.yaml"], keys[1].CommandLine.ToArray());
        Assert.Equal("0400", keys[1].Permissions);
    }

    [Fact]
    public void An_age_secret_without_an_identity_says_where_the_identity_is_looked_for()
    {
        var fleet = FleetWith(new ContainerSecret { Name = "api-key", File = "/srv/sonarr.age" });

        var problem = ContainerSecrets.Problem(ContainerSecrets.KeysOf(fleet, fleet.Hosts[0], null)[0]);

        Assert.NotNull(problem);
        Assert.Contains(ContainerSecrets.IdentityVariable, problem, StringComparison.Ordinal);
        Assert.Contains("~/.config/sops/age/keys.txt", problem, StringComparison.Ordinal);
    }
}
