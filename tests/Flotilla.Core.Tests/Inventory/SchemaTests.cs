using System.Text.Json;
using System.Text.Json.Nodes;
using Flotilla.Inventory;
using Flotilla.Tests.Support;

namespace Flotilla.Tests.Inventory;

/// <summary>docs/inventory.schema.json and the loader must not drift apart.</summary>
public sealed class SchemaTests
{
    [Fact]
    public async Task Every_attribute_the_schema_documents_is_known_to_the_loader()
    {
        using var schema = JsonDocument.Parse(await File.ReadAllTextAsync(Repository.PathOf("docs", "inventory.schema.json")));
        var definitions = schema.RootElement.GetProperty("$defs");
        var document = Build(schema.RootElement, definitions, depth: 0);
        using var dir = new TempDirectory();
        var file = dir.Write("all.json", document.ToJsonString());

        var fleet = await InventoryLoader.LoadAsync(file, dir.Path);

        Assert.DoesNotContain(fleet.Diagnostics, d => d.Message == "unknown attribute");
        Assert.NotEmpty(fleet.Hosts);
        Assert.NotEmpty(fleet.Services);
    }

    /// <summary>An object with every documented property: nested objects filled in, leaves null.</summary>
    private static JsonObject Build(JsonElement node, JsonElement definitions, int depth)
    {
        var result = new JsonObject();
        if (depth > 6 || !node.TryGetProperty("properties", out var properties))
        {
            return result;
        }

        foreach (var property in properties.EnumerateObject())
        {
            if (property.Name is "$schema" or "version" or "enable")
            {
                continue;
            }

            var schema = Resolve(property.Value, definitions);
            if (schema.TryGetProperty("properties", out _))
            {
                result[property.Name] = Build(schema, definitions, depth + 1);
            }
            else if (schema.TryGetProperty("additionalProperties", out var values) && values.ValueKind == JsonValueKind.Object && Resolve(values, definitions).TryGetProperty("properties", out _))
            {
                result[property.Name] = new JsonObject { ["x"] = Build(Resolve(values, definitions), definitions, depth + 1) };
            }
            else if (schema.TryGetProperty("items", out var items) && Resolve(items, definitions).TryGetProperty("properties", out _))
            {
                result[property.Name] = new JsonArray(Build(Resolve(items, definitions), definitions, depth + 1));
            }
            else
            {
                result[property.Name] = null;
            }
        }

        return result;
    }

    /// <summary>A $ref's definition; for a oneOf, its first alternative (a proxy's single entry).</summary>
    private static JsonElement Resolve(JsonElement schema, JsonElement definitions) =>
        schema.TryGetProperty("$ref", out var reference)
            ? definitions.GetProperty(reference.GetString()!["#/$defs/".Length..])
            : schema.TryGetProperty("oneOf", out var alternatives)
                ? Resolve(alternatives[0], definitions)
                : schema;
}
