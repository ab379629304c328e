using System.Collections.Immutable;
using System.Text.Json.Serialization;
using Flotilla.Contracts;

namespace Flotilla.ControlPlane.Store.Internal;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(HostFacts))]
[JsonSerializable(typeof(HostMetrics))]
[JsonSerializable(typeof(ImmutableArray<string>))]
internal sealed partial class StoreJsonContext : JsonSerializerContext;
