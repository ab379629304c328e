using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;

namespace Flotilla.Inventory.Internal;

/// <summary>
/// Reads one JSON object of an inventory with the path of every value at hand: typed getters
/// report wrong types as diagnostics (and return null), and <see cref="ReportUnknown"/> reports
/// every attribute no getter asked for, so nothing is silently dropped. Not thread safe.
/// </summary>
internal sealed class JsonObjectReader
{
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);

    public JsonObjectReader(JsonElement element, string path, DiagnosticBag diagnostics)
    {
        Element = element;
        Path = path;
        Diagnostics = diagnostics;
    }

    public JsonElement Element { get; }
    public string Path { get; }
    public DiagnosticBag Diagnostics { get; }

    /// <summary>Reads an object-valued element, or reports that it is not one and returns null.</summary>
    public static JsonObjectReader? Create(JsonElement element, string path, DiagnosticBag diagnostics, string what)
    {
        if (IsEvaluationError(element, path, diagnostics))
        {
            return null;
        }

        if (element.ValueKind == JsonValueKind.Object)
        {
            return new JsonObjectReader(element, path, diagnostics);
        }

        diagnostics.Error(path, $"expected {what} (an attribute set), found {Describe(element)}", "write it as { name = value; ... } (JSON: an object)");
        return null;
    }

    /// <summary>For an object merged from several sources: the parent path each key came from.</summary>
    public IReadOnlyDictionary<string, string>? KeyParents { get; init; }

    public string PathOf(string key) =>
        SourcePath.Child(KeyParents is not null && KeyParents.TryGetValue(key, out var parent) ? parent : Path, key);

    public bool Has(string key) => Element.TryGetProperty(key, out var value) && value.ValueKind != JsonValueKind.Null;

    /// <summary>Marks a key as known without reading it.</summary>
    public void Ignore(params string[] keys)
    {
        foreach (var key in keys)
        {
            _read.Add(key);
        }
    }

    /// <summary>The raw value of a key, or null when it is absent or null.</summary>
    public JsonElement? Raw(string key)
    {
        _read.Add(key);
        if (!Element.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return IsEvaluationError(value, PathOf(key), Diagnostics) ? null : value;
    }

    /// <summary>
    /// The flake evaluation replaces a value that threw (an option used but not defined, say) by a
    /// marker object instead of failing the whole fleet; this reports it at its path.
    /// </summary>
    public static bool IsEvaluationError(JsonElement value, string path, DiagnosticBag diagnostics)
    {
        if (value.ValueKind != JsonValueKind.Object || !value.TryGetProperty(EvaluationErrorMarker, out _))
        {
            return false;
        }

        if (value.TryGetProperty("function", out _))
        {
            diagnostics.Error(path, "this is a function, not a value", "set the value itself (a module function belongs in imports)");
        }
        else if (value.TryGetProperty(FlakeEvaluationErrors.MessageProperty, out var message) && message.ValueKind == JsonValueKind.String)
        {
            diagnostics.Error(path, "Nix could not evaluate this value: " + message.GetString()!.TrimEnd('.'), "fix it in the host's configuration (Nix's message says what is wrong)");
        }
        else
        {
            diagnostics.Error(path, "Nix could not evaluate this value (an option used but not defined, or a throw)", "define it in the host's configuration, or run nix eval on it to see Nix's message");
        }

        return true;
    }

    public const string EvaluationErrorMarker = "__flotillaEvaluationError";

    public string? String(string key)
    {
        if (Raw(key) is not { } value)
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.String)
        {
            return value.GetString();
        }

        Diagnostics.Error(PathOf(key), $"expected a string, found {Describe(value)}", "put the value in double quotes");
        return null;
    }

    public int? Int(string key, int min = int.MinValue, int max = int.MaxValue)
    {
        if (Raw(key) is not { } value)
        {
            return null;
        }

        return ReadInt(value, PathOf(key), min, max);
    }

    public bool? Bool(string key)
    {
        if (Raw(key) is not { } value)
        {
            return null;
        }

        if (value.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            return value.GetBoolean();
        }

        Diagnostics.Error(PathOf(key), $"expected true or false, found {Describe(value)}");
        return null;
    }

    /// <summary>A duration as a number of seconds or a string such as <c>90s</c>, <c>5m</c>, <c>1h30m</c>, <c>250ms</c>.</summary>
    public TimeSpan? Duration(string key)
    {
        if (Raw(key) is not { } value)
        {
            return null;
        }

        var path = PathOf(key);
        if (value.ValueKind == JsonValueKind.Number)
        {
            if (value.TryGetDouble(out var seconds) && seconds >= 0 && seconds <= TimeSpan.MaxValue.TotalSeconds / 2)
            {
                return TimeSpan.FromSeconds(seconds);
            }

            Diagnostics.Error(path, $"expected a duration of zero seconds or more, found {value.GetRawText()}");
            return null;
        }

        if (value.ValueKind == JsonValueKind.String && DurationParser.TryParse(value.GetString()!, out var parsed))
        {
            return parsed;
        }

        Diagnostics.Error(path, $"expected a duration, found {Describe(value)}", "write seconds as a number (30) or a string such as \"30s\", \"5m\", \"1h\"");
        return null;
    }

    /// <summary>One of the given names (compared without case), mapped to its value.</summary>
    public T? Choice<T>(string key, IReadOnlyDictionary<string, T> choices)
        where T : struct
    {
        if (String(key) is not { } text)
        {
            return null;
        }

        foreach (var (name, choice) in choices)
        {
            if (string.Equals(name, text, StringComparison.OrdinalIgnoreCase))
            {
                return choice;
            }
        }

        var names = string.Join(", ", choices.Keys.Select(k => "\"" + k + "\""));
        var suggestion = Suggestions.Closest(text, choices.Keys);
        var hint = suggestion is null ? $"use one of {names}" : $"did you mean \"{suggestion}\"? (one of {names})";
        Diagnostics.Error(PathOf(key), $"unknown value \"{text}\"", hint);
        return null;
    }

    public ImmutableArray<string> Strings(string key)
    {
        if (Raw(key) is not { } value)
        {
            return [];
        }

        var path = PathOf(key);
        if (value.ValueKind != JsonValueKind.Array)
        {
            Diagnostics.Error(path, $"expected a list of strings, found {Describe(value)}", "write it as [ \"a\" \"b\" ] (JSON: [\"a\", \"b\"])");
            return [];
        }

        var builder = ImmutableArray.CreateBuilder<string>(value.GetArrayLength());
        var index = 0;
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.String)
            {
                builder.Add(item.GetString()!);
            }
            else
            {
                Diagnostics.Error(SourcePath.Index(path, index), $"expected a string, found {Describe(item)}", "put the value in double quotes");
            }

            index++;
        }

        return builder.ToImmutable();
    }

    public ImmutableArray<int> Ints(string key, int min, int max)
    {
        if (Raw(key) is not { } value)
        {
            return [];
        }

        var path = PathOf(key);
        if (value.ValueKind != JsonValueKind.Array)
        {
            Diagnostics.Error(path, $"expected a list of numbers, found {Describe(value)}", "write it as [ 80 443 ]");
            return [];
        }

        var builder = ImmutableArray.CreateBuilder<int>(value.GetArrayLength());
        var index = 0;
        foreach (var item in value.EnumerateArray())
        {
            if (ReadInt(item, SourcePath.Index(path, index), min, max) is { } number)
            {
                builder.Add(number);
            }

            index++;
        }

        return builder.ToImmutable();
    }

    public JsonObjectReader? Object(string key)
    {
        if (Raw(key) is not { } value)
        {
            return null;
        }

        return Create(value, PathOf(key), Diagnostics, $"\"{key}\"");
    }

    /// <summary>The entries of an attribute set whose values are attribute sets (hosts, services, keys).</summary>
    public IEnumerable<(string Name, JsonObjectReader Reader)> Entries(string key, string what)
    {
        if (Raw(key) is not { } value)
        {
            yield break;
        }

        var path = PathOf(key);
        if (value.ValueKind != JsonValueKind.Object)
        {
            Diagnostics.Error(path, $"expected an attribute set of {what}, found {Describe(value)}", $"write it as {{ name = {{ ... }}; }} with one entry per {what.TrimEnd('s')}");
            yield break;
        }

        foreach (var property in value.EnumerateObject())
        {
            if (Create(property.Value, SourcePath.Child(path, property.Name), Diagnostics, what.TrimEnd('s')) is { } reader)
            {
                yield return (property.Name, reader);
            }
        }
    }

    /// <summary>The items of a list whose values are attribute sets (health checks).</summary>
    public IEnumerable<(int Index, JsonObjectReader Reader)> Items(string key, string what)
    {
        if (Raw(key) is not { } value)
        {
            yield break;
        }

        var path = PathOf(key);
        if (value.ValueKind != JsonValueKind.Array)
        {
            Diagnostics.Error(path, $"expected a list of {what}, found {Describe(value)}", "write it as [ { ... } { ... } ]");
            yield break;
        }

        var index = 0;
        foreach (var item in value.EnumerateArray())
        {
            if (Create(item, SourcePath.Index(path, index), Diagnostics, what.TrimEnd('s')) is { } reader)
            {
                yield return (index, reader);
            }

            index++;
        }
    }

    /// <summary>Reports every attribute that no getter read, with the closest known name.</summary>
    public void ReportUnknown(IReadOnlyCollection<string>? knownButUnread = null)
    {
        foreach (var property in Element.EnumerateObject())
        {
            if (_read.Contains(property.Name) || (knownButUnread?.Contains(property.Name) ?? false))
            {
                continue;
            }

            var suggestion = Suggestions.Closest(property.Name, _read);
            var hint = suggestion is null
                ? "Flotilla does not use it; remove it or check the spelling"
                : $"did you mean \"{suggestion}\"? Flotilla ignores this attribute";
            Diagnostics.Warning(SourcePath.Child(Path, property.Name), "unknown attribute", hint);
        }
    }

    public static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an attribute set",
        JsonValueKind.Array => "a list",
        JsonValueKind.String => $"the string \"{Truncate(value.GetString()!)}\"",
        JsonValueKind.Number => $"the number {value.GetRawText()}",
        JsonValueKind.True or JsonValueKind.False => $"the boolean {value.GetRawText()}",
        JsonValueKind.Null => "null",
        _ => value.ValueKind.ToString(),
    };

    private int? ReadInt(JsonElement value, string path, int min, int max)
    {
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number))
        {
            if (number >= min && number <= max)
            {
                return (int)number;
            }

            Diagnostics.Error(path, $"{number.ToString(CultureInfo.InvariantCulture)} is out of range", $"use a whole number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}");
            return null;
        }

        Diagnostics.Error(path, $"expected a whole number, found {Describe(value)}");
        return null;
    }

    private static string Truncate(string text) => text.Length <= 60 ? text : text[..57] + "...";
}
