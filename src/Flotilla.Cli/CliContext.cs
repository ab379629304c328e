namespace Flotilla.Cli;

/// <summary>What a command needs from its surroundings: where to write and where it runs.</summary>
internal sealed record CliContext(TextWriter Output, TextWriter Error, string WorkingDirectory)
{
    /// <summary>Standard input (for <c>passwd --stdin</c>).</summary>
    public TextReader Input { get; init; } = TextReader.Null;

    /// <summary><c>--plain</c>: progress as plain lines even on a terminal (set once the command line is parsed).</summary>
    public bool Plain { get; set; }
}
