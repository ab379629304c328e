using System.Collections.Immutable;
using System.Text.Json;

namespace Flotilla.Inventory.Internal;

/// <summary>Reads keys written as colmena writes them: <c>text</c>, <c>keyFile</c> or <c>keyCommand</c>, plus destination and ownership.</summary>
internal static class KeyReader
{
    public static ImmutableArray<Key> ReadAll(JsonObjectReader parent, string field)
    {
        var keys = ImmutableArray.CreateBuilder<Key>();
        foreach (var (name, reader) in parent.Entries(field, "keys"))
        {
            if (Read(name, reader) is { } key)
            {
                keys.Add(key);
            }
        }

        return keys.ToImmutable();
    }

    private static Key? Read(string name, JsonObjectReader reader)
    {
        var sources = new List<(KeySourceKind Kind, string Value, ImmutableArray<string> Argv)>();
        if (reader.String("text") is { } text)
        {
            sources.Add((KeySourceKind.Text, text, []));
        }

        if (reader.String("keyFile") is { } file)
        {
            sources.Add((KeySourceKind.File, file, []));
        }

        if (reader.Raw("keyCommand") is { } command)
        {
            if (ReadCommand(command, reader.PathOf("keyCommand"), reader.Diagnostics) is { } argv)
            {
                sources.Add((KeySourceKind.Command, string.Join(' ', argv), argv));
            }
        }

        var permissions = reader.String("permissions") ?? "0600";
        if (!IsOctalMode(permissions))
        {
            reader.Diagnostics.Error(reader.PathOf("permissions"), $"\"{permissions}\" is not an octal file mode", "write it as four octal digits, such as \"0600\" or \"0440\"");
        }

        var key = new Key
        {
            Name = reader.String("name") ?? name,
            Source = sources.Count > 0 ? sources[0].Kind : KeySourceKind.Text,
            Value = sources.Count > 0 ? sources[0].Value : "",
            CommandLine = sources.Count > 0 ? sources[0].Argv : [],
            DestDir = reader.String("destDir") ?? "/run/keys",
            User = reader.String("user") ?? "root",
            Group = reader.String("group") ?? "root",
            Permissions = permissions,
            UploadAt = reader.Choice("uploadAt", Choices.UploadTimes) ?? KeyUploadAt.PreActivation,
            Origin = new Origin(reader.Diagnostics.File, reader.Path),
        };
        reader.ReportUnknown();
        if (sources.Count != 1)
        {
            reader.Diagnostics.Error(reader.Path, sources.Count == 0 ? "the key has no source" : "the key has more than one source", "give exactly one of text, keyFile or keyCommand");
            return null;
        }

        return key;
    }

    private static ImmutableArray<string>? ReadCommand(JsonElement value, string path, DiagnosticBag diagnostics)
    {
        if (value.ValueKind == JsonValueKind.Array && value.GetArrayLength() > 0 && value.EnumerateArray().All(v => v.ValueKind == JsonValueKind.String))
        {
            return [.. value.EnumerateArray().Select(v => v.GetString()!)];
        }

        diagnostics.Error(path, $"expected a non-empty list of strings (the program and its arguments), found {JsonObjectReader.Describe(value)}", "write it as [ \"pass\" \"show\" \"wifi\" ]");
        return null;
    }

    private static bool IsOctalMode(string text) => text.Length is 3 or 4 && text.All(c => c is >= '0' and <= '7');
}
