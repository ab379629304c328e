using System.CommandLine;
using Flotilla.Cli.Commands;

namespace Flotilla.Cli;

/// <summary>The <c>flotilla</c> command line: builds the command tree and runs it.</summary>
public static class FlotillaCli
{
    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, string workingDirectory, CancellationToken cancellationToken = default) =>
        RunAsync(args, Console.In, output, error, workingDirectory, cancellationToken);

    public static async Task<int> RunAsync(string[] args, TextReader input, TextWriter output, TextWriter error, string workingDirectory, CancellationToken cancellationToken = default)
    {
        var context = new CliContext(output, error, workingDirectory) { Input = input };
        var root = new RootCommand("Flotilla orchestrates fleets of NixOS machines: dependency-ordered deploys with health gates, rollbacks, reboots and a live dashboard.")
        {
            InitCommand.Create(context),
            ValidateCommand.Create(context),
            PlanCommand.Create(context),
            HostsCommand.Create(context),
            LabCommand.Create(context),
            DeployCommand.Create(context),
            RunsCommand.Create(context),
            ExecCommand.Create(context),
            StatusCommand.Create(context),
            ServicesCommand.Create(context),
            BackupCommand.Create(context),
            BackupCommand.Restore(context),
            MigrateCommand.Create(context),
            RollbackCommand.Create(context),
            RebootCommand.Create(context),
            UpgradeCommand.Create(context),
            DemoCommand.Create(context),
            PasswdCommand.Create(context),
            ServeCommand.Create(context),
            AgentCommand.Create(context),
            TokensCommand.Create(context),
            RemoteCommand.Create(context),
            CompletionCommand.Create(context),
        };
        var plain = new Option<bool>("--plain")
        {
            Description = "Progress as plain lines, one per change, even on a terminal (as when the output is a file or a pipe)",
            Recursive = true,
        };
        root.Options.Add(plain);
        // "@tag" is a selector here, never a response file.
        var parser = new ParserConfiguration { ResponseFileTokenReplacer = null };
        var configuration = new InvocationConfiguration { Output = output, Error = error };
        var parse = root.Parse(args, parser);
        context.Plain = parse.GetValue(plain);
        if (parse.Errors.Count > 0)
        {
            // Bad input is exit code 2 with what is wrong on stderr, as every command's own checks.
            var command = parse.CommandResult.Command;
            var name = command == root ? "flotilla" : command.Name;
            foreach (var problem in parse.Errors)
            {
                await error.WriteLineAsync($"{name}: {problem.Message}").ConfigureAwait(false);
            }

            var path = string.Join(' ', command.Parents.OfType<Command>().Reverse().Where(c => c != root).Select(c => c.Name).Append(command == root ? "" : command.Name)).Trim();
            await error.WriteLineAsync($"see: flotilla {(path.Length == 0 ? "" : path + " ")}--help").ConfigureAwait(false);
            return ExitCodes.InvalidInput;
        }

        return await parse.InvokeAsync(configuration, cancellationToken).ConfigureAwait(false);
    }
}
