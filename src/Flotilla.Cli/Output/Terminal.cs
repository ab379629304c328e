using Spectre.Console;

namespace Flotilla.Cli.Output;

/// <summary>Whether a command's output is a person's terminal, and the Spectre.Console console that draws on it.</summary>
internal static class Terminal
{
    /// <summary>
    /// A console for live views when the output is the process's own stdout, that is a terminal,
    /// which can move the cursor (<c>TERM</c> is not <c>dumb</c>), and <c>--plain</c> was not
    /// given; otherwise null, and the command writes plain lines.
    /// </summary>
    public static IAnsiConsole? Live(CliContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Plain || !ReferenceEquals(context.Output, Console.Out) || Console.IsOutputRedirected
            || Environment.GetEnvironmentVariable("TERM") is null or "" or "dumb")
        {
            return null;
        }

        return AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.Yes,
            ColorSystem = Environment.GetEnvironmentVariable("NO_COLOR") is { Length: > 0 } ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
            Interactive = InteractionSupport.Yes,
            Out = new AnsiConsoleOutput(context.Output),
        });
    }
}
