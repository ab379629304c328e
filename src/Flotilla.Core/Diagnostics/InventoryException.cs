namespace Flotilla.Diagnostics;

/// <summary>
/// Thrown when an inventory cannot be loaded at all (missing file, Nix evaluation error, unreadable
/// input). Carries diagnostics a person can act on instead of a stack trace.
/// </summary>
public sealed class InventoryException : Exception
{
    public InventoryException(IReadOnlyList<Diagnostic> diagnostics)
        : base(string.Join(Environment.NewLine, diagnostics))
    {
        Diagnostics = diagnostics;
    }

    public InventoryException(Diagnostic diagnostic)
        : this([diagnostic])
    {
    }

    public InventoryException()
        : this(new Diagnostic(Severity.Error, "", "", "the inventory could not be loaded"))
    {
    }

    public InventoryException(string message)
        : this(new Diagnostic(Severity.Error, "", "", message))
    {
    }

    public InventoryException(string message, Exception innerException)
        : base(message, innerException)
    {
        Diagnostics = [new Diagnostic(Severity.Error, "", "", message)];
    }

    public IReadOnlyList<Diagnostic> Diagnostics { get; }
}
