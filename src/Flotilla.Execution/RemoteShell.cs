using System.Text;

namespace Flotilla.Execution;

/// <summary>
/// The one way a value crosses a remote (POSIX) shell: every word is single-quoted, so the shell
/// on the other end of ssh sees it as exactly one literal argument, whatever it contains.
/// Thread safe.
/// </summary>
public static class RemoteShell
{
    /// <summary>
    /// One POSIX shell word that stands for <paramref name="value"/> literally: <c>'…'</c>, with each
    /// <c>'</c> written as <c>'\''</c>. Works for newlines, <c>$</c>, backticks and any unicode.
    /// </summary>
    public static string Quote(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException("a shell argument cannot contain a NUL character", nameof(value));
        }

        return "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
    }

    /// <summary>A remote command line that runs <paramref name="argv"/> (program first) with each word quoted.</summary>
    public static string Join(IEnumerable<string> argv)
    {
        var command = new StringBuilder();
        foreach (var word in argv)
        {
            if (command.Length > 0)
            {
                command.Append(' ');
            }

            command.Append(Quote(word));
        }

        if (command.Length == 0)
        {
            throw new ArgumentException("a remote command needs at least a program", nameof(argv));
        }

        return command.ToString();
    }

    /// <summary>
    /// A remote command line that runs a fixed <c>sh</c> script with <paramref name="arguments"/>
    /// as <c>$1</c>, <c>$2</c>, …: values never become part of the script's text.
    /// </summary>
    public static string Script(string script, params IEnumerable<string> arguments) =>
        Join(["sh", "-c", script, "flotilla", .. arguments]);
}
