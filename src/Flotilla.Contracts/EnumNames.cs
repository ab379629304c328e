using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Flotilla.Contracts;

/// <summary>
/// The names an enum is written with in files, APIs and messages (<c>keys-post</c>, <c>timed-out</c>):
/// one name per value, given by the enum's own <c>ToName</c>, and read back exactly (no other case,
/// no numbers). Immutable.
/// </summary>
public sealed class EnumNames<TEnum>
    where TEnum : struct, Enum
{
    private readonly FrozenDictionary<string, TEnum> _byName;

    public EnumNames(Func<TEnum, string> toName)
    {
        ArgumentNullException.ThrowIfNull(toName);
        All = [.. Enum.GetValues<TEnum>()];
        _byName = All.ToFrozenDictionary(toName, StringComparer.Ordinal);
        KnownNames = string.Join(", ", All.Select(toName));
    }

    /// <summary>Every value, in declaration order.</summary>
    public ImmutableArray<TEnum> All { get; }

    /// <summary>The names this version knows, for messages: <c>build, copy, ...</c>.</summary>
    public string KnownNames { get; }

    public bool TryParse(string? name, out TEnum value)
    {
        if (name is null)
        {
            value = default;
            return false;
        }

        return _byName.TryGetValue(name, out value);
    }
}

/// <summary>An enum as JSON: its name (<see cref="EnumNames{TEnum}"/>), read back exactly; any other value is a <see cref="JsonException"/> that names it and the known names.</summary>
/// <param name="names">The enum's names.</param>
/// <param name="toName">The enum's own ToName.</param>
/// <param name="what">What a value is, for messages: <c>step kind</c>.</param>
public abstract class EnumNameJsonConverter<TEnum>(EnumNames<TEnum> names, Func<TEnum, string> toName, string what) : JsonConverter<TEnum>
    where TEnum : struct, Enum
{
    public override TEnum Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw new JsonException($"a {what} is a string ({names.KnownNames}), not {reader.TokenType}");
        }

        var name = reader.GetString();
        return names.TryParse(name, out var value)
            ? value
            : throw new JsonException($"unknown {what} \"{name}\" (this version of Flotilla knows {names.KnownNames})");
    }

    public override void Write(Utf8JsonWriter writer, TEnum value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(toName(value));
    }
}
