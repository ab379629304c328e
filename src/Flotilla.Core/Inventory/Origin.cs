using System.Collections.Immutable;
using System.Globalization;

namespace Flotilla.Inventory;

/// <summary>
/// Where a model object came from: the file, the path of the object inside it, and how the
/// model's field names are spelled in that source (<c>dependsOn</c> is <c>depends_on</c> in a
/// NixMox manifest and <c>dependencies</c> in <c>lab.machine</c>). Immutable.
/// </summary>
public sealed record Origin(string File, string Path)
{
    public static readonly Origin None = new("", "");

    public ImmutableDictionary<string, string> FieldNames { get; init; } = ImmutableDictionary<string, string>.Empty;

    /// <summary>The source path of a model field, e.g. <c>services.vaultwarden.depends_on</c>.</summary>
    public string Of(string field)
    {
        var name = FieldNames.TryGetValue(field, out var spelled) ? spelled : field;
        if (name.Length == 0)
        {
            return Path;
        }

        return Path.Length == 0 ? name : Path + "." + name;
    }

    /// <summary>The source path of one element of a list field, e.g. <c>services.vaultwarden.depends_on[1]</c>.</summary>
    public string Of(string field, int index) => Of(field) + "[" + index.ToString(CultureInfo.InvariantCulture) + "]";

    public Origin WithFieldName(string field, string spelled) => this with { FieldNames = FieldNames.SetItem(field, spelled) };
}
