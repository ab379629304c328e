using Flotilla.Diagnostics;
using Flotilla.Inventory;
using Flotilla.Tests.Support;
using Flotilla.Validation;

namespace Flotilla.Tests.Validation;

/// <summary>Containers' published ports and backup tools, read from a JSON inventory.</summary>
public sealed class ServicePartsValidationTests
{
    private static async Task<IReadOnlyList<Diagnostic>> ValidateAsync(string services)
    {
        using var dir = new TempDirectory();
        var file = dir.Write("flotilla.json", $$"""
            {
              "hosts": { "media": { "target": "10.0.0.20" }, "other": { "target": "10.0.0.21" } },
              "services": { {{services}} }
            }
            """);
        var fleet = await InventoryLoader.LoadAsync(file, dir.Path);
        return FleetValidator.Validate(fleet);
    }

    [Fact]
    public async Task Two_containers_publishing_one_host_port_on_one_host_are_an_error()
    {
        var diagnostics = await ValidateAsync("""
            "sonarr": { "host": "media", "container": { "image": "lscr.io/linuxserver/sonarr", "ports": ["8989:8989"] } },
            "radarr": { "host": "media", "container": { "image": "lscr.io/linuxserver/radarr", "ports": ["7878:7878", "0.0.0.0:8989:8080"] } }
            """);

        var error = Assert.Single(diagnostics);
        Assert.Equal("services.radarr.container.ports[1]", error.Path);
        Assert.Equal("the containers of services \"sonarr\" and \"radarr\" both publish port 8989 on host \"media\" (also at services.sonarr.container.ports[0])", error.Message);
    }

    [Fact]
    public async Task A_container_is_named_by_its_name_else_its_service_and_a_name_podman_refuses_is_an_error()
    {
        using var dir = new TempDirectory();
        var fleet = await InventoryLoader.LoadAsync(dir.Write("flotilla.json", """
            { "hosts": { "media": { "target": "10.0.0.20" } },
              "services": { "media/sonarr": { "host": "media", "container": { "name": "sonarr", "image": "lscr.io/linuxserver/sonarr" } } } }
            """), dir.Path);
        Assert.Equal("sonarr", fleet.Services[0].Container!.Name);
        Assert.DoesNotContain(FleetValidator.Validate(fleet), d => d.IsError);

        var diagnostics = await ValidateAsync("""
            "media/radarr": { "host": "media", "container": { "image": "lscr.io/linuxserver/radarr" } },
            "bazarr": { "host": "media", "container": { "name": "-bazarr", "image": "lscr.io/linuxserver/bazarr" } }
            """);

        Assert.Equal(2, diagnostics.Count);
        Assert.Equal(("services.\"media/radarr\"", "container \"media/radarr\" of service media/radarr is not a name podman takes: letters, digits, _ . - (not first)", "set container.name, or rename the service"),
            (diagnostics[0].Path, diagnostics[0].Message, diagnostics[0].Hint));
        Assert.Equal("services.bazarr.container.name", diagnostics[1].Path);
    }

    [Fact]
    public async Task A_legacy_part_is_read_and_one_without_a_container_or_with_a_relative_data_directory_is_an_error()
    {
        using var dir = new TempDirectory();
        var fleet = await InventoryLoader.LoadAsync(dir.Write("flotilla.json", """
            { "hosts": { "media": { "target": "10.0.0.20" } },
              "services": { "sonarr": { "host": "media", "container": { "image": "lscr.io/linuxserver/sonarr", "volumes": ["/var/lib/sonarr:/config"] },
                                        "legacy": { "unit": "sonarr.service", "ports": [8989], "dataDir": "/var/lib/sonarr", "user": "sonarr:sonarr" } } } }
            """), dir.Path);
        var legacy = fleet.Services[0].Legacy!;
        Assert.Equal(("sonarr.service", "/var/lib/sonarr", "sonarr:sonarr", "services.sonarr.legacy"), (legacy.Unit, legacy.DataDirectory, legacy.User, legacy.SourcePath));
        Assert.Equal([8989], legacy.Ports.ToArray());
        Assert.DoesNotContain(FleetValidator.Validate(fleet), d => d.IsError);

        var diagnostics = await ValidateAsync("""
            "radarr": { "host": "media", "legacy": { "unit": "radarr.service", "dataDir": "/var/lib/radarr" } },
            "bazarr": { "host": "media", "container": { "image": "lscr.io/linuxserver/bazarr" }, "legacy": { "unit": "bazarr service", "dataDir": "var/lib/bazarr" } }
            """);

        Assert.Equal(
            [
                ("services.radarr.legacy", "service radarr names a legacy service to migrate from but has no container to migrate to"),
                ("services.bazarr.legacy.unit", "\"bazarr service\" is not a systemd unit name: letters, digits, and : _ . @ - \\"),
                ("services.bazarr.legacy.dataDir", "the legacy data directory \"var/lib/bazarr\" of service bazarr is not an absolute path below /"),
            ],
            diagnostics.Select(d => (d.Path, d.Message)));
    }

    [Fact]
    public async Task A_host_s_storage_thresholds_are_read_and_a_bad_one_is_named_with_its_path()
    {
        using var dir = new TempDirectory();
        var fleet = await InventoryLoader.LoadAsync(dir.Write("flotilla.json", """
            { "hosts": { "media": { "target": "10.0.0.20", "storage": { "/fun": { "critical": 95 }, "/": {}, "var": {}, "/srv": { "warning": 90, "critical": 90 } } } } }
            """), dir.Path);

        Assert.Equal([new Contracts.StorageThreshold("/fun", 80, 95), new Contracts.StorageThreshold("/")], fleet.Hosts[0].Storage.ToArray());
        Assert.Equal(["storage path \"var\" is not absolute", "the warning threshold 90% is not below the critical one 90%"], fleet.Diagnostics.Select(d => d.Message));
        Assert.Equal("hosts.media.storage.var", fleet.Diagnostics[0].Path);
    }

    [Fact]
    public async Task A_container_port_that_a_service_of_the_host_uses_is_an_error()
    {
        var diagnostics = await ValidateAsync("""
            "jellyfin": { "host": "media", "ports": [8096] },
            "emby": { "host": "media", "container": { "image": "emby/embyserver", "ports": ["8090-8100:8090-8100"] } }
            """);

        var error = Assert.Single(diagnostics);
        Assert.Equal("services.emby.container.ports[0]", error.Path);
        Assert.Equal("port 8096 on host \"media\" is published by the container of service \"emby\" and used by service \"jellyfin\" (also at services.jellyfin.ports[0])", error.Message);
    }

    [Fact]
    public async Task Ports_on_other_hosts_other_protocols_or_its_own_service_do_not_clash()
    {
        var diagnostics = await ValidateAsync("""
            "transmission": { "host": "media", "ports": [9091], "container": { "image": "lscr.io/linuxserver/transmission", "ports": ["9091:9091", "51413:51413/tcp"] } },
            "peer": { "host": "media", "container": { "image": "busybox", "ports": ["51413:51413/udp", "8080"] } },
            "twin": { "host": "other", "container": { "image": "lscr.io/linuxserver/transmission", "ports": ["9091:9091"] } }
            """);

        Assert.Empty(diagnostics);
    }

    [Fact]
    public async Task A_port_mapping_podman_cannot_read_is_an_error_that_shows_the_form()
    {
        var diagnostics = await ValidateAsync("""
            "app": { "host": "media", "container": { "image": "busybox", "ports": ["80:80:80:80"] } }
            """);

        var error = Assert.Single(diagnostics);
        Assert.Equal("services.app.container.ports[0]", error.Path);
        Assert.StartsWith("write it as podman does", error.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_backup_tool_flotilla_does_not_drive_is_an_error_naming_the_ones_it_does()
    {
        var diagnostics = await ValidateAsync("""
            "vault": { "host": "media", "backup": { "paths": ["/var/lib/vault"], "tool": "borg" } }
            """);

        var error = Assert.Single(diagnostics);
        Assert.Equal(Severity.Error, error.Severity);
        Assert.Equal("services.vault.backup.tool", error.Path);
        Assert.Equal("Flotilla does not drive the backup tool \"borg\"", error.Message);
        Assert.StartsWith("use one of \"restic\", \"kopia\"", error.Hint, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("8989:8989", null, 8989, 8989, 8989, false)]
    [InlineData("127.0.0.1:80:8080/tcp", "127.0.0.1", 80, 80, 8080, false)]
    [InlineData("[::1]:53:53/udp", "::1", 53, 53, 53, true)]
    [InlineData("9090", null, 0, 0, 9090, false)]
    [InlineData("127.0.0.1::80", "127.0.0.1", 0, 0, 80, false)]
    [InlineData("46634-46636:46634-46636/udp", null, 46634, 46636, 46634, true)]
    public void Port_mappings_are_read_as_podman_writes_them(string text, string? address, int hostFirst, int hostLast, int containerFirst, bool udp)
    {
        Assert.True(PortMapping.TryParse(text, out var mapping));
        Assert.Equal((address, hostFirst, hostLast, containerFirst, udp), (mapping.HostAddress, mapping.HostFirst, mapping.HostLast, mapping.ContainerFirst, mapping.Udp));
    }

    [Theory]
    [InlineData("")]
    [InlineData("80:0")]
    [InlineData("70000:80")]
    [InlineData("80-90:80-85")]
    [InlineData("80:80/icmp")]
    public void Port_mappings_podman_would_refuse_are_refused(string text)
    {
        Assert.False(PortMapping.TryParse(text, out _));
    }
}
