using System.Collections.Immutable;
using Flotilla.Diagnostics;

namespace Flotilla.Inventory.Internal;

/// <summary>Collects the diagnostics of one source file while it is read. Not thread safe.</summary>
internal sealed class DiagnosticBag(string file)
{
    private readonly List<Diagnostic> _items = [];

    public string File { get; } = file;

    public bool HasErrors { get; private set; }

    public void Error(string path, string message, string? hint = null)
    {
        HasErrors = true;
        _items.Add(new Diagnostic(Severity.Error, File, path, message, hint));
    }

    public void Warning(string path, string message, string? hint = null) =>
        _items.Add(new Diagnostic(Severity.Warning, File, path, message, hint));

    public ImmutableArray<Diagnostic> ToImmutable() => [.. _items];
}
