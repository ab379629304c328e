using System.Text.Json;
using System.Text.Json.Serialization;

namespace Flotilla.Dashboard.Internal;

/// <summary>
/// What the event streams send to the browser, serialized by source generation. Enums go as
/// their member names (<c>"Succeeded"</c>, <c>"TimedOut"</c>), the output stream too
/// (<c>"Stderr"</c>, where the agent protocol says <c>"stderr"</c>): dashboard.js reads these.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UseStringEnumConverter = true, Converters = [typeof(OutputStreamNameConverter)])]
[JsonSerializable(typeof(HostSummary))]
[JsonSerializable(typeof(CommandRecord))]
[JsonSerializable(typeof(OutputLine))]
[JsonSerializable(typeof(StepStateMessage[]))]
[JsonSerializable(typeof(RunEndMessage))]
internal sealed partial class DashboardJson : JsonSerializerContext;

/// <summary>A step's state on the run page: <c>{"id": "activate:web01", "state": "running"}</c>.</summary>
internal sealed record StepStateMessage(string Id, string State);

/// <summary>How a run ended, the run page's <c>end</c> event: <c>{"exitCode": 0, "finished": "...", "text": "finished 14:31:02 with exit code 0"}</c>.</summary>
internal sealed record RunEndMessage(int ExitCode, DateTimeOffset Finished, string Text);

/// <summary>Writes <see cref="OutputStream"/> as its member name for the browser (the page sends nothing back).</summary>
internal sealed class OutputStreamNameConverter : JsonConverter<OutputStream>
{
    public override OutputStream Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        Enum.TryParse<OutputStream>(reader.GetString(), out var stream) ? stream : throw new JsonException("not an output stream");

    public override void Write(Utf8JsonWriter writer, OutputStream value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value == OutputStream.Stderr ? "Stderr" : "Stdout");
}
