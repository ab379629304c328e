using System.CommandLine;
using System.Globalization;
using Flotilla.Execution;
using Flotilla.Inventory;
using Flotilla.Planning;

namespace Flotilla.Cli.Commands;

/// <summary>
/// <c>flotilla exec -- COMMAND...</c>: runs a command on every selected host in parallel over the
/// system's OpenSSH (or, with <c>--server</c>, through the agents of hosts SSH does not reach, as a
/// run picks its transports), each output line prefixed with its host (or grouped per host), and an exit
/// status per host. Several words are quoted one by one (the remote program gets them as they
/// are); a single word is a command line for the remote shell, as with ssh.
/// </summary>
internal static class ExecCommand
{
    public static Command Create(CliContext context)
    {
        var file = CommonOptions.File();
        var selection = new SelectionOptions(context);
        var group = new Option<bool>("--group") { Description = "Print each host's output together when it finishes, instead of line by line" };
        var parallel = CommonOptions.Parallel("How many hosts at once", 64);
        var words = new Argument<string[]>("COMMAND") { Description = "The command, after --", Arity = ArgumentArity.OneOrMore };
        var server = ServerConnectionOptions.ForRuns("exec");
        var command = new Command("exec", "Run a command on the selected hosts (all by default) in parallel") { file, group, parallel, words };
        selection.AddTo(command);
        server.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var fleet = await InventoryCommands.LoadValidAsync(context, parse.GetValue(file), cancellationToken).ConfigureAwait(false);
            if (fleet is null)
            {
                return ExitCodes.InvalidInput;
            }

            if (InventoryCommands.Select(context, fleet, selection.Read(parse)) is not { } hosts)
            {
                return ExitCodes.InvalidInput;
            }

            var (failed, client, agents) = await server.AgentsAsync(context, parse, cancellationToken).ConfigureAwait(false);
            using var connection = client;
            if (failed is { } code)
            {
                return code;
            }

            var argv = parse.GetValue(words)!;
            var remote = argv.Length == 1 ? argv[0] : RemoteShell.Join(argv);
            return await RunAsync(context, new HostTransports(new SshTransport(), agents), hosts, remote, parse.GetValue(group), Math.Max(1, parse.GetValue(parallel)), cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, HostTransports transport, IReadOnlyList<Host> hosts, string remote, bool grouped, int parallel, CancellationToken cancellationToken)
    {
        var width = hosts.Max(h => h.Name.Length);
        var gate = new object();
        var results = new RemoteResult?[hosts.Count];
        using var slots = new SemaphoreSlim(parallel);
        await Task.WhenAll(hosts.Select(async (host, index) =>
        {
            await slots.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var prefix = host.Name.PadRight(width) + " | ";
                var lines = new List<string>();
                results[index] = await transport.RunCommandAsync(
                    host,
                    remote,
                    null,
                    line =>
                    {
                        if (grouped)
                        {
                            lines.Add(line);
                            return;
                        }

                        lock (gate)
                        {
                            context.Output.WriteLine(prefix + line);
                        }
                    },
                    cancellationToken).ConfigureAwait(false);
                if (grouped)
                {
                    lock (gate)
                    {
                        context.Output.WriteLine($"== {host.Name} (exit {results[index]!.ExitCode.ToString(CultureInfo.InvariantCulture)})");
                        foreach (var line in lines)
                        {
                            context.Output.WriteLine(line);
                        }
                    }
                }
            }
            finally
            {
                slots.Release();
            }
        })).ConfigureAwait(false);

        var failed = 0;
        for (var i = 0; i < hosts.Count; i++)
        {
            var code = results[i]!.ExitCode;
            if (code != 0)
            {
                failed++;
                var why = code == 255 ? $" ({transport.Describe(hosts[i])} could not be reached)" : "";
                await context.Error.WriteLineAsync($"{hosts[i].Name}: exit {code.ToString(CultureInfo.InvariantCulture)}{why}").ConfigureAwait(false);
            }
        }

        await context.Error.WriteLineAsync($"{(hosts.Count - failed).ToString(CultureInfo.InvariantCulture)} of {hosts.Count.ToString(CultureInfo.InvariantCulture)} hosts succeeded").ConfigureAwait(false);
        return failed == 0 ? ExitCodes.Success : ExitCodes.Failed;
    }
}
