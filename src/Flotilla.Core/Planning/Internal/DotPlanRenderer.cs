using System.Globalization;
using System.Text;

namespace Flotilla.Planning.Internal;

/// <summary>
/// Graphviz DOT: one cluster per phase, edges from a dependency to its dependent. Every id is a
/// quoted string with <c>\</c>, <c>"</c> and control characters escaped, so no name can end the
/// string or add statements.
/// </summary>
internal static class DotPlanRenderer
{
    public static string Render(Plan plan)
    {
        var dot = new StringBuilder("digraph plan {\n");
        dot.Append("  rankdir=LR;\n  node [shape=box];\n");
        var cluster = 0;
        foreach (var (phase, members) in PhaseGroups.Of(plan))
        {
            dot.Append(CultureInfo.InvariantCulture, $"  subgraph \"cluster_{cluster++}\" {{\n");
            dot.Append("    label=").Append(Quote(phase)).Append(";\n");
            foreach (var i in members)
            {
                dot.Append("    ").Append(Quote(plan.Steps[i].Id)).Append(";\n");
            }

            dot.Append("  }\n");
        }

        foreach (var step in plan.Steps)
        {
            foreach (var dependency in step.DependsOn)
            {
                dot.Append("  ").Append(Quote(dependency)).Append(" -> ").Append(Quote(step.Id)).Append(";\n");
            }
        }

        return dot.Append("}\n").ToString();
    }

    internal static string Quote(string text)
    {
        var builder = new StringBuilder(text.Length + 2).Append('"');
        foreach (var c in text)
        {
            switch (c)
            {
                case '\\':
                    builder.Append("\\\\");
                    break;
                case '"':
                    builder.Append("\\\"");
                    break;
                case '\n':
                    builder.Append("\\n");
                    break;
                case '\r':
                    builder.Append("\\r");
                    break;
                case < ' ' or '\u007f':
                    builder.Append(CultureInfo.InvariantCulture, $"\\x{(int)c:x2}");
                    break;
                default:
                    builder.Append(c);
                    break;
            }
        }

        return builder.Append('"').ToString();
    }
}
