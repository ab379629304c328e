using System.Globalization;
using System.Text.Json;
using Flotilla.Diagnostics;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Flotilla.Inventory.Internal;

/// <summary>
/// Converts one YAML document into JSON, event by event (no recursion in the parser), with YAML
/// 1.2 core-schema scalars, a depth limit, a limit on what aliases may expand to, and errors that
/// name the line and column.
/// </summary>
internal static class YamlToJson
{
    public const int MaxDepth = 64;
    private const int MaxExpandedNodes = 1_000_000;

    private abstract class Node
    {
        public Mark Start { get; init; }
    }

    private sealed class ScalarNode : Node
    {
        public required string Value { get; init; }
        public bool Plain { get; init; }
    }

    private sealed class SequenceNode : Node
    {
        public List<Node> Items { get; } = [];
    }

    private sealed class MappingNode : Node
    {
        public List<KeyValuePair<string, Node>> Entries { get; } = [];
        public HashSet<string> Keys { get; } = new(StringComparer.Ordinal);
        public string? PendingKey { get; set; }
        public Mark PendingKeyMark { get; set; }
    }

    public static JsonDocument Convert(string text, string file)
    {
        var root = Parse(text, file);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            var budget = MaxExpandedNodes;
            Write(writer, root, 0, ref budget, file);
        }

        return JsonDocument.Parse(buffer.ToArray());
    }

    private static Node Parse(string text, string file)
    {
        var anchors = new Dictionary<string, Node>(StringComparer.Ordinal);
        var stack = new Stack<Node>();
        Node? root = null;
        var documents = 0;
        try
        {
            var parser = new Parser(new StringReader(text));
            while (parser.MoveNext())
            {
                var current = parser.Current!;
                switch (current)
                {
                    case DocumentStart:
                        documents++;
                        if (documents > 1)
                        {
                            throw Error(file, current.Start, "holds more than one YAML document", "keep one document (remove the extra ---)");
                        }

                        break;
                    case Scalar scalar:
                        Add(new ScalarNode { Value = scalar.Value, Plain = scalar.Style == ScalarStyle.Plain && scalar.Tag.IsEmpty, Start = scalar.Start }, scalar.Anchor);
                        break;
                    case SequenceStart start:
                        Open(new SequenceNode { Start = start.Start }, start.Anchor);
                        break;
                    case MappingStart start:
                        Open(new MappingNode { Start = start.Start }, start.Anchor);
                        break;
                    case SequenceEnd or MappingEnd:
                        Close(stack.Pop());
                        break;
                    case AnchorAlias alias:
                        if (!anchors.TryGetValue(alias.Value.Value, out var target))
                        {
                            throw Error(file, alias.Start, $"refers to the unknown anchor *{alias.Value.Value}", "define the anchor with &name before using it");
                        }

                        Close(target);
                        break;
                }
            }
        }
        catch (YamlException e)
        {
            throw Error(file, e.Start, "is not valid YAML: " + TrimMark(e.Message), "fix the syntax at that place");
        }

        return root ?? new MappingNode();

        void Open(Node node, AnchorName anchor)
        {
            if (stack.Count >= MaxDepth)
            {
                throw Error(file, node.Start, $"is nested deeper than {MaxDepth} levels", "flatten the document; an inventory needs only a few levels");
            }

            Remember(node, anchor);
            stack.Push(node);
        }

        void Add(Node node, AnchorName anchor)
        {
            Remember(node, anchor);
            Close(node);
        }

        void Remember(Node node, AnchorName anchor)
        {
            if (!anchor.IsEmpty)
            {
                anchors[anchor.Value] = node;
            }
        }

        void Close(Node node)
        {
            if (stack.Count == 0)
            {
                root = node;
                return;
            }

            switch (stack.Peek())
            {
                case SequenceNode sequence:
                    sequence.Items.Add(node);
                    break;
                case MappingNode mapping when mapping.PendingKey is null:
                    if (node is not ScalarNode key)
                    {
                        throw Error(file, node.Start, "uses a list or mapping as a key", "keys must be plain names");
                    }

                    if (!mapping.Keys.Add(key.Value))
                    {
                        throw Error(file, key.Start, $"repeats the key \"{key.Value}\"", "keep one of the two entries");
                    }

                    mapping.PendingKey = key.Value;
                    mapping.PendingKeyMark = key.Start;
                    break;
                case MappingNode mapping:
                    mapping.Entries.Add(new(mapping.PendingKey!, node));
                    mapping.PendingKey = null;
                    break;
            }
        }
    }

    private static void Write(Utf8JsonWriter writer, Node node, int depth, ref int budget, string file)
    {
        if (--budget < 0)
        {
            throw Error(file, node.Start, $"expands to more than {MaxExpandedNodes} values through aliases", "use fewer aliases");
        }

        if (depth > MaxDepth)
        {
            throw Error(file, node.Start, $"is nested deeper than {MaxDepth} levels (through aliases)", "flatten the document");
        }

        switch (node)
        {
            case ScalarNode scalar:
                WriteScalar(writer, scalar);
                break;
            case SequenceNode sequence:
                writer.WriteStartArray();
                foreach (var item in sequence.Items)
                {
                    Write(writer, item, depth + 1, ref budget, file);
                }

                writer.WriteEndArray();
                break;
            case MappingNode mapping:
                writer.WriteStartObject();
                foreach (var (key, value) in mapping.Entries)
                {
                    writer.WritePropertyName(key);
                    Write(writer, value, depth + 1, ref budget, file);
                }

                writer.WriteEndObject();
                break;
        }
    }

    private static void WriteScalar(Utf8JsonWriter writer, ScalarNode scalar)
    {
        if (!scalar.Plain)
        {
            writer.WriteStringValue(scalar.Value);
            return;
        }

        var value = scalar.Value;
        switch (value)
        {
            case "" or "~" or "null" or "Null" or "NULL":
                writer.WriteNullValue();
                return;
            case "true" or "True" or "TRUE":
                writer.WriteBooleanValue(true);
                return;
            case "false" or "False" or "FALSE":
                writer.WriteBooleanValue(false);
                return;
        }

        if (long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
        {
            writer.WriteNumberValue(integer);
        }
        else if (LooksLikeFloat(value) && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var real) && double.IsFinite(real))
        {
            writer.WriteNumberValue(real);
        }
        else
        {
            writer.WriteStringValue(value);
        }
    }

    private static bool LooksLikeFloat(string value) =>
        value.Length > 0 && (char.IsAsciiDigit(value[0]) || value[0] is '-' or '+' or '.') && value.Any(char.IsAsciiDigit) && value.All(c => char.IsAsciiDigit(c) || c is '.' or 'e' or 'E' or '-' or '+');

    private static string TrimMark(string message)
    {
        var close = message.IndexOf("): ", StringComparison.Ordinal);
        return message.StartsWith('(') && close > 0 ? message[(close + 3)..] : message;
    }

    private static InventoryException Error(string file, Mark mark, string message, string hint) =>
        new(new Diagnostic(
            Severity.Error,
            file,
            string.Create(CultureInfo.InvariantCulture, $"line {mark.Line}, column {mark.Column}"),
            "the YAML document " + message,
            hint));
}
