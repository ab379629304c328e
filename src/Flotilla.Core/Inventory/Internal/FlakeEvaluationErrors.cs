using System.Text.Json.Nodes;
using System.Text.Json;
using Flotilla.Nix;
using Flotilla.Processes;

namespace Flotilla.Inventory.Internal;

/// <summary>
/// Nix's own message for each value the flake evaluation marked as failed (an option used but not
/// defined, a <c>throw</c>, a failed assertion). tryEval keeps the one evaluation of the fleet
/// going but drops the message, so each marked value is forced again on its own, at most
/// <see cref="MaxExplained"/> of them, two at a time; this costs nothing when nothing failed.
/// </summary>
internal static class FlakeEvaluationErrors
{
    public const int MaxExplained = 16;

    public const string MessageProperty = "message";

    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 64 };

    /// <summary>The evaluation's JSON with <c>message</c> added to every marker Nix explained; the text unchanged when there is no marker.</summary>
    public static async Task<string> ExplainAsync(string nix, string json, IReadOnlyDictionary<string, string> environment, CancellationToken cancellationToken)
    {
        if (!json.Contains(JsonObjectReader.EvaluationErrorMarker, StringComparison.Ordinal))
        {
            return json;
        }

        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json, documentOptions: DocumentOptions);
        }
        catch (JsonException)
        {
            return json; // The loader reports the JSON itself.
        }

        var markers = new List<(JsonObject Marker, string Path)>();
        Collect(root, markers, 0);
        if (markers.Count == 0)
        {
            return json;
        }

        var distinct = markers.Select(m => m.Path).Distinct(StringComparer.Ordinal).Take(MaxExplained).ToList();
        using var slots = new SemaphoreSlim(2);
        var messages = await Task.WhenAll(distinct.Select(async path =>
        {
            await slots.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                return (path, Message: await ExplainOneAsync(nix, path, environment, cancellationToken).ConfigureAwait(false));
            }
            finally
            {
                slots.Release();
            }
        })).ConfigureAwait(false);

        var byPath = messages.Where(m => m.Message is not null).ToDictionary(m => m.path, m => m.Message!, StringComparer.Ordinal);
        foreach (var (marker, path) in markers)
        {
            if (byPath.TryGetValue(path, out var message))
            {
                marker[MessageProperty] = message;
            }
        }

        return root!.ToJsonString();
    }

    private static async Task<string?> ExplainOneAsync(string nix, string path, IReadOnlyDictionary<string, string> environment, CancellationToken cancellationToken)
    {
        var variables = new Dictionary<string, string>(environment, StringComparer.Ordinal) { [FlakeExpression.PathVariable] = path };
        string[] arguments = [.. NixFlags.Flakes, "eval", "--json", "--impure", "--expr", FlakeExpression.ValueText];
        var result = await ProcessRunner.RunAsync(nix, arguments, variables, cancellationToken).ConfigureAwait(false);
        return result.ExitCode == 0 ? null : NixErrors.OneLine(result.StandardError) is { Length: > 0 } message ? message : null;
    }

    private static void Collect(JsonNode? node, List<(JsonObject, string)> markers, int depth)
    {
        if (depth > DocumentOptions.MaxDepth)
        {
            return;
        }

        switch (node)
        {
            case JsonObject value when value.TryGetPropertyValue(JsonObjectReader.EvaluationErrorMarker, out var path):
                if (path is JsonArray && !value.ContainsKey("function"))
                {
                    markers.Add((value, path.ToJsonString()));
                }

                break;
            case JsonObject value:
                foreach (var (_, child) in value)
                {
                    Collect(child, markers, depth + 1);
                }

                break;
            case JsonArray list:
                foreach (var child in list)
                {
                    Collect(child, markers, depth + 1);
                }

                break;
        }
    }
}
