using System.Text.Json;
using System.Text.Json.Serialization;

namespace Flotilla.Planning;

/// <summary>
/// A <see cref="StepKind"/> as JSON: its name (<c>"keys-post"</c>), read back exactly; any other
/// value (a kind this version does not know, a number) is a <see cref="JsonException"/> that names
/// it. Public because the enum names it, and every assembly's source-generated context uses it.
/// </summary>
public sealed class StepKindJsonConverter : JsonConverter<StepKind>
{
    public override StepKind Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw new JsonException($"a step kind is a string ({StepKinds.KnownNames}), not {reader.TokenType}");
        }

        var name = reader.GetString();
        return StepKinds.TryParse(name, out var kind)
            ? kind
            : throw new JsonException($"unknown step kind \"{name}\" (this version of Flotilla knows {StepKinds.KnownNames})");
    }

    public override void Write(Utf8JsonWriter writer, StepKind value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value.ToName());
    }
}
