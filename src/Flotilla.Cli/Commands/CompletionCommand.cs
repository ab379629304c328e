using System.CommandLine;

namespace Flotilla.Cli.Commands;

/// <summary>
/// <c>flotilla completion bash|zsh|fish</c>: a script for the shell that asks flotilla itself what
/// can come next (System.CommandLine's <c>[suggest:POSITION]</c> directive): commands, options, and
/// the inventory's hosts and <c>@tags</c> after <c>--on</c>, its services after <c>--service</c>.
/// </summary>
internal static class CompletionCommand
{
    // Each script hands flotilla the line up to the cursor without the program's name, and the
    // cursor's position in it; flotilla prints one completion a line.
    private const string Bash = """
        # flotilla completion for bash: source <(flotilla completion bash)
        _flotilla_complete() {
          local line="${COMP_LINE:0:COMP_POINT}"
          line="${line#"${COMP_WORDS[0]}"}"
          line="${line# }"
          local IFS=$'\n'
          COMPREPLY=($("${COMP_WORDS[0]}" "[suggest:${#line}]" "$line" 2>/dev/null))
        }
        complete -o default -F _flotilla_complete flotilla

        """;

    private const string Zsh = """
        #compdef flotilla
        # flotilla completion for zsh: source <(flotilla completion zsh), or save it as _flotilla in $fpath
        _flotilla() {
          local line="${BUFFER[1,CURSOR]}"
          line="${line#${words[1]}}"
          line="${line# }"
          local -a completions
          completions=("${(@f)$(${words[1]} "[suggest:${#line}]" "$line" 2>/dev/null)}")
          compadd -Q -- ${completions:#}
        }
        compdef _flotilla flotilla

        """;

    private const string Fish = """
        # flotilla completion for fish: flotilla completion fish | source
        function __flotilla_complete
          set -l line (string replace -r '^\S+\s?' '' -- (commandline -cp))
          flotilla "[suggest:"(string length -- "$line")"]" "$line" 2>/dev/null
        end
        complete -c flotilla -f -a '(__flotilla_complete)'

        """;

    public static Command Create(CliContext context)
    {
        var shell = new Argument<string>("shell") { Description = "bash, zsh or fish" };
        shell.AcceptOnlyFromAmong("bash", "zsh", "fish");
        var command = new Command("completion", "Print a shell completion script (hosts and tags complete after --on, services after --service)") { shell };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var script = parse.GetValue(shell) switch
            {
                "zsh" => Zsh,
                "fish" => Fish,
                _ => Bash,
            };
            await context.Output.WriteAsync(script.AsMemory(), cancellationToken).ConfigureAwait(false);
            return ExitCodes.Success;
        });
        return command;
    }
}
