using System.Runtime.InteropServices;
using Flotilla.ControlPlane;

namespace Flotilla.Bench.ControlPlane;

/// <summary>
/// <c>Flotilla.Bench control-plane-server --urls URL [--data-dir DIR] [--allow-commands]</c>
/// (FLOTILLA_DATABASE for PostgreSQL): the <c>ControlPlaneServer</c> the CLI's <c>serve</c>
/// runs, with the same options, in a process of its own; until SIGTERM. The benchmark's
/// <c>--server bench-host</c> uses it.
/// </summary>
internal static class BenchServerHost
{
    public static async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var options = new ControlPlaneOptions();
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--urls":
                    options.Urls = args[++i];
                    break;
                case "--data-dir":
                    options.DataDirectory = Path.GetFullPath(args[++i]);
                    break;
                case "--allow-commands":
                    options.AllowArbitraryCommands = true;
                    break;
                default:
                    await Console.Error.WriteLineAsync($"control-plane-server: unknown argument {args[i]}").ConfigureAwait(false);
                    return 2;
            }
        }

        options.Database = Environment.GetEnvironmentVariable("FLOTILLA_DATABASE") is { Length: > 0 } database ? database : null;
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stopping.Cancel();
        });
        var server = await ControlPlaneServer.StartAsync(options, cancellationToken: cancellationToken).ConfigureAwait(false);
        await using (server.ConfigureAwait(false))
        {
            Console.WriteLine($"control-plane-server: listening on {string.Join(' ', server.Urls)}");
            await server.WaitAsync(stopping.Token).ConfigureAwait(false);
        }

        return 0;
    }
}
