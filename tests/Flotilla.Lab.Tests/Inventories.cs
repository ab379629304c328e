using Flotilla.Inventory;

namespace Flotilla.Lab.Tests;

/// <summary>A four-host inventory with dependencies and health checks, loaded by Flotilla's own loader.</summary>
internal static class Inventories
{
    public const string FourHosts = """
        {
          "version": 1,
          "hosts": {
            "gateway": { "target": "root@192.168.50.1", "role": "router", "tags": ["edge"], "rebootOrder": 1,
                         "healthChecks": [ { "type": "tcp", "port": 53 } ] },
            "db":      { "target": "root@192.168.50.2", "role": "database", "dependsOn": ["gateway"], "rebootOrder": 2,
                         "healthChecks": [ { "type": "tcp", "port": 5432 } ] },
            "app":     { "target": "root@192.168.50.3", "role": "app", "dependsOn": ["db"], "rebootOrder": 3,
                         "healthChecks": [ { "type": "http", "url": "http://localhost:8080/health" } ] },
            "web":     { "target": "root@192.168.50.4", "role": "web", "dependsOn": ["app"], "rebootOrder": 4,
                         "healthChecks": [ { "type": "http", "url": "http://localhost:80/health" },
                                           { "type": "http", "url": "http://192.168.50.3:8080/health" } ] }
          }
        }
        """;

    public static async Task<Fleet> LoadAsync(string json)
    {
        var directory = Directory.CreateTempSubdirectory("flotilla-lab-inventory-");
        try
        {
            var file = Path.Combine(directory.FullName, "flotilla.json");
            await File.WriteAllTextAsync(file, json);
            var fleet = await InventoryLoader.LoadAsync(file);
            Assert.Empty(fleet.Diagnostics.Where(d => d.IsError));
            return fleet;
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
