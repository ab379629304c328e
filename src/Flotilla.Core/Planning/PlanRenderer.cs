using Flotilla.Planning.Internal;

namespace Flotilla.Planning;

/// <summary>Writes a plan as text, JSON, Graphviz DOT or Mermaid. Deterministic; stateless and thread safe.</summary>
public static class PlanRenderer
{
    public static string Render(Plan plan, PlanFormat format)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return format switch
        {
            PlanFormat.Text => TextPlanRenderer.Render(plan),
            PlanFormat.Json => JsonPlanRenderer.Render(plan),
            PlanFormat.Dot => DotPlanRenderer.Render(plan),
            PlanFormat.Mermaid => MermaidPlanRenderer.Render(plan),
            _ => throw new ArgumentOutOfRangeException(nameof(format), format, "unknown plan format"),
        };
    }
}
