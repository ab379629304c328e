using System.Collections.Immutable;
using System.Text.Json;
using Flotilla.Planning;

namespace Flotilla.Execution.Internal;

/// <summary>Reads back the JSON that <see cref="PlanRenderer"/> writes (<c>plan.json</c> of a run); descriptions are not in it.</summary>
internal static class PlanReader
{
    public static Plan Read(string json, string file)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            var operationName = root.GetProperty("operation").GetString();
            if (!OperationNames.TryParse(operationName, out var operation))
            {
                throw new RunJournalException(
                    $"{file}: the run's operation is {(operationName is null ? "(none)" : $"\"{operationName}\"")}, which this version of Flotilla does not know "
                    + $"({OperationNames.KnownNames}); the run was written by another version of Flotilla: show or resume it with that one");
            }

            var steps = ImmutableArray.CreateBuilder<PlanStep>();
            foreach (var step in root.GetProperty("steps").EnumerateArray())
            {
                var dependsOn = step.GetProperty("dependsOn").EnumerateArray().Select(d => d.GetString()!).ToImmutableArray();
                var id = Text(step, "id")!;
                if (!StepKinds.TryParse(Text(step, "kind"), out var kind))
                {
                    throw new RunJournalException(
                        $"{file}: step \"{id}\" has the kind {(Text(step, "kind") is { } name ? $"\"{name}\"" : "(none)")}, which this version of Flotilla does not know ({StepKinds.KnownNames}); "
                        + "the run was written by another version of Flotilla: show or resume it with that one");
                }

                steps.Add(new PlanStep(
                    id,
                    kind,
                    Text(step, "phase") ?? "",
                    Text(step, "host"),
                    Text(step, "service"),
                    dependsOn)
                {
                    Delay = step.TryGetProperty("delaySeconds", out var delay) ? TimeSpan.FromSeconds(delay.GetDouble()) : null,
                });
            }

            return new Plan(operation, steps.ToImmutable());
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or NullReferenceException)
        {
            throw new RunJournalException($"{file} is not a plan Flotilla wrote ({e.Message}); the run cannot be shown or resumed");
        }
    }

    private static string? Text(JsonElement step, string name) =>
        step.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
