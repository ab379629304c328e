using Flotilla.Cli;

namespace Flotilla.Tests;

/// <summary>Runs the <c>flotilla</c> command line in-process and captures what it prints.</summary>
internal static class CliRunner
{
    public sealed record Run(int ExitCode, string Output, string Error)
    {
        public string[] ErrorLines => Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    public static async Task<Run> RunWithInputAsync(string workingDirectory, string input, params string[] args)
    {
        using var reader = new StringReader(input);
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await FlotillaCli.RunAsync(args, reader, output, error, workingDirectory);
        return new Run(code, output.ToString(), error.ToString());
    }

    public static async Task<Run> RunAsync(string workingDirectory, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await FlotillaCli.RunAsync(args, output, error, workingDirectory);
        return new Run(code, output.ToString(), error.ToString());
    }
}
