using System.Text;

namespace Flotilla.Cli.Commands;

/// <summary>Reads a line from the terminal without echoing it.</summary>
internal static class SilentPrompt
{
    public static string Read(TextWriter prompt, string text)
    {
        prompt.Write(text);
        prompt.Flush();
        var typed = new StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                break;
            }

            if (key.Key == ConsoleKey.Backspace)
            {
                if (typed.Length > 0)
                {
                    typed.Length--;
                }

                continue;
            }

            if (key.KeyChar != '\0')
            {
                typed.Append(key.KeyChar);
            }
        }

        prompt.WriteLine();
        return typed.ToString();
    }
}
