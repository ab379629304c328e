using Flotilla.Inventory;
using Flotilla.Tests.Support;

namespace Flotilla.Tests.Inventory;

public sealed class DocumentLoaderTests
{
    private const string Json = """
        {
          "$schema": "../docs/inventory.schema.json",
          "version": 1,
          "defaults": { "user": "deploy", "port": 2222 },
          "hosts": {
            "db1": {
              "target": { "address": "10.0.0.10" },
              "role": "database",
              "tags": ["db"],
              "rebootOrder": 1,
              "rebootDelay": "2m",
              "healthChecks": [{ "type": "tcp", "port": 5432, "timeout": "3s" }],
              "keys": { "pg-pass": { "keyCommand": ["pass", "show", "pg"], "user": "postgres", "permissions": "0400", "uploadAt": "post-activation" } }
            },
            "web1": { "target": "root@10.0.0.11", "dependsOn": ["db1"], "deployStrategy": "blue-green", "platform": "nixos" }
          },
          "services": {
            "postgres": { "host": "db1", "tier": "core", "ports": [5432], "backup": { "paths": ["/var/lib/postgresql"], "tool": "restic", "repository": "/srv/backup" } },
            "app": { "host": "web1", "dependsOn": ["postgres"], "ports": [8080],
                     "healthChecks": [{ "type": "http", "url": "http://localhost:8080/health", "phase": "startup", "interval": 2, "retries": 10 }],
                     "container": { "image": "registry.lan/app:1", "ports": ["8080:8080"], "environment": { "MODE": "prod" }, "memory": "512m" } }
          }
        }
        """;

    [Fact]
    public async Task A_json_inventory_fills_every_part_of_the_model()
    {
        using var dir = new TempDirectory();
        var file = dir.Write("flotilla.json", Json);

        var fleet = await InventoryLoader.LoadAsync(null, dir.Path);

        Assert.Equal(file, fleet.SourcePath);
        Assert.Empty(fleet.Diagnostics);
        var db = fleet.FindHost("db1")!;
        Assert.Equal(new Target("10.0.0.10", "deploy", 2222), db.Target);
        Assert.Equal(TimeSpan.FromMinutes(2), db.RebootDelay);
        Assert.Equal(TimeSpan.FromSeconds(3), db.HealthChecks.Single().Timeout);
        var key = db.Keys.Single();
        Assert.Equal(KeySourceKind.Command, key.Source);
        Assert.Equal(["pass", "show", "pg"], key.CommandLine.ToArray());
        Assert.Equal(KeyUploadAt.PostActivation, key.UploadAt);
        Assert.Equal(new Target("10.0.0.11", "root", 2222), fleet.FindHost("web1")!.Target);
        Assert.Equal(DeployStrategy.BlueGreen, fleet.FindHost("web1")!.DeployStrategy);
        var app = fleet.Services.Single(s => s.Name == "app");
        Assert.Equal("512m", app.Container!.Memory);
        Assert.Equal(HealthCheckPhase.Startup, app.HealthChecks.Single().Phase);
        Assert.Equal("/srv/backup", fleet.Services.Single(s => s.Name == "postgres").Backup!.Repository);
    }

    [Fact]
    public async Task The_same_inventory_in_yaml_loads_to_the_same_model()
    {
        using var dir = new TempDirectory();
        var jsonFile = dir.Write("a/flotilla.json", Json);
        var yamlFile = dir.Write("b/flotilla.yaml", """
            version: 1
            defaults: { user: deploy, port: 2222 }
            hosts:
              db1:
                target: { address: 10.0.0.10 }
                role: database
                tags: [db]
                rebootOrder: 1
                rebootDelay: 2m
                healthChecks:
                  - { type: tcp, port: 5432, timeout: 3s }
                keys:
                  pg-pass: { keyCommand: [pass, show, pg], user: postgres, permissions: "0400", uploadAt: post-activation }
              web1: { target: root@10.0.0.11, dependsOn: [db1], deployStrategy: blue-green, platform: nixos }
            services:
              postgres:
                host: db1
                tier: core
                ports: [5432]
                backup: { paths: [/var/lib/postgresql], tool: restic, repository: /srv/backup }
              app:
                host: web1
                dependsOn: [postgres]
                ports: [8080]
                healthChecks:
                  - { type: http, url: "http://localhost:8080/health", phase: startup, interval: 2, retries: 10 }
                container: { image: "registry.lan/app:1", ports: ["8080:8080"], environment: { MODE: prod }, memory: 512m }
            """);

        var fromJson = await InventoryLoader.LoadAsync(jsonFile, dir.Path);
        var fromYaml = await InventoryLoader.LoadAsync(yamlFile, dir.Path);

        Assert.Empty(fromYaml.Diagnostics);
        Assert.Equal(fromJson.Hosts.Select(Comparable), fromYaml.Hosts.Select(Comparable));
        Assert.Equal(fromJson.Services.Select(s => (s.Name, s.Host, s.Tier, string.Join(',', s.DependsOn), string.Join(',', s.Ports))), fromYaml.Services.Select(s => (s.Name, s.Host, s.Tier, string.Join(',', s.DependsOn), string.Join(',', s.Ports))));
    }

    private static string Comparable(Host host) =>
        $"{host.Name} {host.Target} {host.Role} {string.Join(',', host.Tags)} {host.RebootOrder} {host.RebootDelay} {string.Join(',', host.DependsOn)} {host.DeployStrategy} {host.HealthChecks.Length} {host.Keys.Length}";

    [Fact]
    public async Task A_yaml_inventory_with_an_alias_bomb_is_refused()
    {
        using var dir = new TempDirectory();
        var lines = new List<string> { "a0: &a0 [x, x, x, x, x, x, x, x, x, x]" };
        for (var i = 1; i < 9; i++)
        {
            lines.Add($"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]");
        }

        var file = dir.Write("bomb.yaml", string.Join('\n', lines));

        var error = await Assert.ThrowsAsync<Flotilla.Diagnostics.InventoryException>(() => InventoryLoader.LoadAsync(file, dir.Path));

        Assert.Contains("aliases", error.Diagnostics.Single().Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_values_suggest_the_closest_choice()
    {
        using var dir = new TempDirectory();
        var file = dir.Write("f.json", """{ "hosts": { "a": { "deployStrategy": "rollin", "platform": "darwn" } } }""");

        var fleet = await InventoryLoader.LoadAsync(file, dir.Path);

        Assert.Contains(fleet.Diagnostics, d => d.Path == "hosts.a.deployStrategy" && d.Hint!.Contains("did you mean \"rolling\"", StringComparison.Ordinal));
        Assert.Contains(fleet.Diagnostics, d => d.Path == "hosts.a.platform" && d.Hint!.Contains("did you mean \"darwin\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Odd_host_names_are_quoted_in_paths()
    {
        using var dir = new TempDirectory();
        var file = dir.Write("f.json", """{ "hosts": { "a b;rm": { "rebootOrder": "one" } } }""");

        var fleet = await InventoryLoader.LoadAsync(file, dir.Path);

        Assert.Equal("hosts.\"a b;rm\".rebootOrder", Assert.Single(fleet.Diagnostics).Path);
    }

    [Fact]
    public async Task A_host_says_how_it_is_reached_and_which_cache_it_fetches_from()
    {
        using var dir = new TempDirectory();
        var file = dir.Write("f.json", """
            { "hosts": {
                "nat": { "transport": "agent", "cache": "https://cache.example.org" },
                "lan": { "transport": "ssh" },
                "any": { },
                "typo": { "transport": "agnet", "cache": "/srv/cache" } } }
            """);

        var fleet = await InventoryLoader.LoadAsync(file, dir.Path);

        Assert.Equal(HostTransport.Agent, fleet.FindHost("nat")!.Transport);
        Assert.Equal("https://cache.example.org", fleet.FindHost("nat")!.Cache);
        Assert.Equal(HostTransport.Ssh, fleet.FindHost("lan")!.Transport);
        Assert.Equal(HostTransport.Auto, fleet.FindHost("any")!.Transport);
        Assert.Null(fleet.FindHost("any")!.Cache);
        Assert.Contains(fleet.Diagnostics, d => d.Path == "hosts.typo.transport" && d.Hint!.Contains("did you mean \"agent\"", StringComparison.Ordinal));
        var cache = Assert.Single(fleet.Diagnostics, d => d.Path == "hosts.typo.cache");
        Assert.Contains("is not a Nix store URL", cache.Message, StringComparison.Ordinal);
        Assert.Contains("file:///srv/cache", cache.Hint, StringComparison.Ordinal);
    }
}
