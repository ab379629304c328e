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
