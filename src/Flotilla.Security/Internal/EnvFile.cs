namespace Flotilla.Security.Internal;

/// <summary>
/// Reads an env file as docker compose's <c>env_file</c> and systemd's <c>EnvironmentFile</c> take it:
/// <c>KEY=VALUE</c> lines, <c>#</c> comments, an optional <c>export </c>, values optionally in single
/// or double quotes, and a <c> #</c> comment after an unquoted value. No <c>$</c> expansion: crypt
/// hashes are full of <c>$</c>.
/// </summary>
internal static class EnvFile
{
    public sealed record Entry(string Value, int Line);

    public static Dictionary<string, Entry> Parse(string text, string path)
    {
        var entries = new Dictionary<string, Entry>(StringComparer.Ordinal);
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r').Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            if (line.StartsWith("export ", StringComparison.Ordinal))
            {
                line = line["export ".Length..].TrimStart();
            }

            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new CredentialException($"{path}:{i + 1}: expected KEY=VALUE; fix or remove the line");
            }

            var key = line[..equals].Trim();
            entries[key] = new Entry(Value(line[(equals + 1)..].Trim(), path, i + 1), i + 1);
        }

        return entries;
    }

    private static string Value(string raw, string path, int line)
    {
        if (raw.Length > 0 && raw[0] is '"' or '\'')
        {
            var end = raw.IndexOf(raw[0], 1);
            if (end < 0)
            {
                throw new CredentialException($"{path}:{line}: the value's quote ({raw[0]}) is not closed; close it on the same line");
            }

            return raw[1..end];
        }

        var comment = raw.IndexOf(" #", StringComparison.Ordinal);
        var tab = raw.IndexOf("\t#", StringComparison.Ordinal);
        if (tab >= 0 && (comment < 0 || tab < comment))
        {
            comment = tab;
        }

        return (comment >= 0 ? raw[..comment] : raw).Trim();
    }
}
