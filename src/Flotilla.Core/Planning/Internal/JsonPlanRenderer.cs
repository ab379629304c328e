using System.Text;
using System.Text.Json;

namespace Flotilla.Planning.Internal;

/// <summary>
/// <c>{"operation": "deploy", "steps": [{"id", "kind", "phase", "host", "service", "dependsOn": [...]}]}</c>,
/// indented, steps in plan order; wait steps also carry <c>delaySeconds</c>.
/// </summary>
internal static class JsonPlanRenderer
{
    public static string Render(Plan plan)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("operation", plan.Operation.ToName());
            json.WriteStartArray("steps");
            foreach (var step in plan.Steps)
            {
                json.WriteStartObject();
                json.WriteString("id", step.Id);
                json.WriteString("kind", step.Kind.ToName());
                json.WriteString("phase", step.Phase);
                json.WriteString("host", step.Host);
                json.WriteString("service", step.Service);
                json.WriteStartArray("dependsOn");
                foreach (var dependency in step.DependsOn)
                {
                    json.WriteStringValue(dependency);
                }

                json.WriteEndArray();
                if (step.Kind == StepKind.Wait)
                {
                    json.WriteNumber("delaySeconds", (step.Delay ?? TimeSpan.Zero).TotalSeconds);
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }
}
