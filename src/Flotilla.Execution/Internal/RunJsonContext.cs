using System.Text.Json.Serialization;

namespace Flotilla.Execution.Internal;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, UseStringEnumConverter = true)]
[JsonSerializable(typeof(RunEvent))]
[JsonSerializable(typeof(RunInfo))]
[JsonSerializable(typeof(RunResult))]
[JsonSerializable(typeof(HostLeaseFile))]
[JsonSerializable(typeof(HostLeaseHolder))]
internal sealed partial class RunJsonContext : JsonSerializerContext;
