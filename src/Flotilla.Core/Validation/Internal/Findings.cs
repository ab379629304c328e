using Flotilla.Diagnostics;
using Flotilla.Inventory;
using Flotilla.Inventory.Internal;

namespace Flotilla.Validation.Internal;

/// <summary>
/// Collects validation's diagnostics. Each names the file of the object it is about (or the
/// fleet's source when the object has no origin). "Did you mean" is computed only for names that
/// are wrong, and only for the first <see cref="SuggestionBudget"/> of them so a fleet full of
/// typos stays linear. Not thread safe.
/// </summary>
internal sealed class Findings(Fleet fleet)
{
    public const int SuggestionBudget = 200;

    private int _suggestionsLeft = SuggestionBudget;

    public List<Diagnostic> Items { get; } = [];

    public void Error(Origin origin, string path, string message, string? hint) =>
        Items.Add(new Diagnostic(Severity.Error, FileOf(origin), path, message, hint));

    public void Warning(Origin origin, string path, string message, string? hint) =>
        Items.Add(new Diagnostic(Severity.Warning, FileOf(origin), path, message, hint));

    /// <summary>"did you mean "x"?" when a candidate is close, else <paramref name="otherwise"/>.</summary>
    public string DidYouMean(string name, IEnumerable<string> candidates, string otherwise)
    {
        if (_suggestionsLeft <= 0)
        {
            return otherwise;
        }

        _suggestionsLeft--;
        return Suggestions.Closest(name, candidates) is { } closest ? $"did you mean \"{closest}\"?" : otherwise;
    }

    private string FileOf(Origin origin) => origin.File.Length > 0 ? origin.File : fleet.SourcePath;
}
