namespace Flotilla.Diagnostics;

/// <summary>How bad a <see cref="Diagnostic"/> is.</summary>
public enum Severity
{
    Warning,
    Error,
}

/// <summary>
/// One problem found in an inventory: the file, the path of the value inside it, what is wrong
/// and what to do about it. Immutable.
/// </summary>
public sealed record Diagnostic(Severity Severity, string File, string Path, string Message, string? Hint = null)
{
    public bool IsError => Severity == Severity.Error;

    /// <summary>The line a person reads: <c>file: path: message; hint</c>.</summary>
    public override string ToString()
    {
        var prefix = Severity == Severity.Warning ? "warning: " : "";
        var where = string.IsNullOrEmpty(Path) ? File : $"{File}: {Path}";
        return Hint is null ? $"{where}: {prefix}{Message}" : $"{where}: {prefix}{Message}; {Hint}";
    }
}
