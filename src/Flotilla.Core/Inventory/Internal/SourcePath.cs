using System.Globalization;
using System.Text;

namespace Flotilla.Inventory.Internal;

/// <summary>Builds the paths that errors print: <c>services.vaultwarden.depends_on[1]</c>, <c>hosts."a b".role</c>.</summary>
internal static class SourcePath
{
    public static string Child(string parent, string key)
    {
        var segment = IsPlain(key) ? key : Quote(key);
        return parent.Length == 0 ? segment : parent + "." + segment;
    }

    public static string Index(string parent, int index) => parent + "[" + index.ToString(CultureInfo.InvariantCulture) + "]";

    private static bool IsPlain(string key)
    {
        if (key.Length == 0 || !(char.IsAsciiLetter(key[0]) || key[0] == '_'))
        {
            return false;
        }

        foreach (var c in key)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '\''))
            {
                return false;
            }
        }

        return true;
    }

    private static string Quote(string key)
    {
        var builder = new StringBuilder(key.Length + 2).Append('"');
        foreach (var c in key)
        {
            switch (c)
            {
                case '"':
                    builder.Append("\\\"");
                    break;
                case '\\':
                    builder.Append("\\\\");
                    break;
                case < ' ':
                    builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    break;
                default:
                    builder.Append(c);
                    break;
            }
        }

        return builder.Append('"').ToString();
    }
}
