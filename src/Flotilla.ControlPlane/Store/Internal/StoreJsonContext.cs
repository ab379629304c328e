using System.Collections.Immutable;
using System.Text.Json.Serialization;
using Flotilla.Contracts;

namespace Flotilla.ControlPlane.Store.Internal;

/// <summary>Facts, metrics and argument lists as the store keeps them (camelCase; derived read-only properties such as <see cref="HostMetrics.RamPercent"/> left out).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, IgnoreReadOnlyProperties = true)]
[JsonSerializable(typeof(HostFacts))]
[JsonSerializable(typeof(HostMetrics))]
[JsonSerializable(typeof(ImmutableArray<string>))]
[JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class StoreJsonContext : JsonSerializerContext;
