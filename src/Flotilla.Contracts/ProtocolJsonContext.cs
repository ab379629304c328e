using System.Text.Json;
using System.Text.Json.Serialization;

namespace Flotilla.Contracts;

/// <summary>Source-generated JSON for every protocol message (camelCase, nulls left out, derived read-only properties left out).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    IgnoreReadOnlyProperties = true,
    AllowOutOfOrderMetadataProperties = true,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(AgentMessage))]
[JsonSerializable(typeof(ServerMessage))]
public sealed partial class ProtocolJsonContext : JsonSerializerContext;

/// <summary>Reads and writes protocol frames.</summary>
public static class ProtocolSerializer
{
    public static byte[] Serialize(AgentMessage message) =>
        JsonSerializer.SerializeToUtf8Bytes(message, ProtocolJsonContext.Default.AgentMessage);

    public static byte[] Serialize(ServerMessage message) =>
        JsonSerializer.SerializeToUtf8Bytes(message, ProtocolJsonContext.Default.ServerMessage);

    /// <summary>Parses an agent frame; throws <see cref="JsonException"/> (or <see cref="NotSupportedException"/> for an unknown type) when it is not one.</summary>
    public static AgentMessage DeserializeAgentMessage(ReadOnlySpan<byte> utf8) =>
        JsonSerializer.Deserialize(utf8, ProtocolJsonContext.Default.AgentMessage) ?? throw new JsonException("the frame is JSON null, not a message");

    public static ServerMessage DeserializeServerMessage(ReadOnlySpan<byte> utf8) =>
        JsonSerializer.Deserialize(utf8, ProtocolJsonContext.Default.ServerMessage) ?? throw new JsonException("the frame is JSON null, not a message");
}
