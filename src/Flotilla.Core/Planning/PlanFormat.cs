namespace Flotilla.Planning;

/// <summary>How <see cref="PlanRenderer"/> writes a plan: text for people, JSON for tools, Graphviz DOT or Mermaid for pictures.</summary>
public enum PlanFormat
{
    Text,
    Json,
    Dot,
    Mermaid,
}
