using System.Text.Json;
using System.Text.Json.Serialization;

namespace Flotilla.Dashboard.Internal;

/// <summary>What the event streams send to the browser, serialized by source generation.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UseStringEnumConverter = true)]
[JsonSerializable(typeof(HostSummary))]
[JsonSerializable(typeof(CommandRecord))]
[JsonSerializable(typeof(OutputLine))]
[JsonSerializable(typeof(StepStateMessage[]))]
internal sealed partial class DashboardJson : JsonSerializerContext;

/// <summary>A step's state on the run page: <c>{"id": "activate:web01", "state": "running"}</c>.</summary>
internal sealed record StepStateMessage(string Id, string State);
