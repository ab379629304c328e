using System.Text;

namespace Flotilla.Execution.Internal;

/// <summary>Writes values into Nix expressions as string literals, so names cannot change the expression.</summary>
internal static class NixExpression
{
    public static string String(string value)
    {
        var text = new StringBuilder("\"");
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            switch (c)
            {
                case '"': text.Append("\\\""); break;
                case '\\': text.Append("\\\\"); break;
                case '\n': text.Append("\\n"); break;
                case '\r': text.Append("\\r"); break;
                case '\t': text.Append("\\t"); break;
                case '$' when i + 1 < value.Length && value[i + 1] == '{': text.Append("\\$"); break;
                default: text.Append(c); break;
            }
        }

        return text.Append('"').ToString();
    }

    /// <summary>Splits <c>a."b.c".d</c> into its attribute names.</summary>
    public static IReadOnlyList<string> SplitAttributePath(string path)
    {
        var parts = new List<string>();
        var current = new StringBuilder();
        var quoted = false;
        foreach (var c in path)
        {
            if (c == '"')
            {
                quoted = !quoted;
            }
            else if (c == '.' && !quoted)
            {
                parts.Add(current.ToString());
                current.Clear();
            }
            else
            {
                current.Append(c);
            }
        }

        parts.Add(current.ToString());
        if (quoted || parts.Any(p => p.Length == 0))
        {
            throw new ArgumentException($"'{path}' is not an attribute path", nameof(path));
        }

        return parts;
    }

    /// <summary><c>root."a"."b"</c> for an attribute path below a root.</summary>
    public static string Select(string root, IEnumerable<string> attributes) =>
        root + string.Concat(attributes.Select(a => "." + String(a)));
}
