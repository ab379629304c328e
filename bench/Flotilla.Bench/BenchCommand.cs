namespace Flotilla.Bench;

/// <summary>
/// <c>Flotilla.Bench plan|deploy|exec [options]</c>: each benchmark measures side by side in one
/// run and prints times and ratios (bench/run.sh installs what they need and runs them).
/// </summary>
internal static class BenchCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        using var cancellation = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            // Let the benchmark take its labs down before the process ends.
            e.Cancel = true;
            cancellation.Cancel();
        };

        var name = args.Length == 0 ? "plan" : args[0];
        switch (name)
        {
            case "control-plane":
                return await ControlPlane.ControlPlaneBenchmark.MainAsync(args.Skip(1), cancellation.Token).ConfigureAwait(false);
            case "control-plane-flood":
                return await ControlPlane.FloodBenchmark.MainAsync(args.Skip(1), cancellation.Token).ConfigureAwait(false);
            case "event-stream":
                return await ControlPlane.EventStreamBenchmark.MainAsync(args.Skip(1), cancellation.Token).ConfigureAwait(false);
            case "control-plane-server":
                return await ControlPlane.BenchServerHost.RunAsync([.. args.Skip(1)], cancellation.Token).ConfigureAwait(false);
            default:
                break;
        }

        var options = BenchOptions.Parse(args.Skip(1));
        return name switch
        {
            "plan" => await PlanBenchmark.RunAsync(args).ConfigureAwait(false),
            "deploy" => await DeployBenchmark.RunAsync(options, cancellation.Token).ConfigureAwait(false),
            "exec" => await ExecBenchmark.RunAsync(options, cancellation.Token).ConfigureAwait(false),
            "containers" => await ContainersBenchmark.RunAsync(options, cancellation.Token).ConfigureAwait(false),
            // The first quick version (one store per run); control-plane above is the full benchmark.
            "control-plane-single" => await ControlPlaneBenchmark.RunAsync(args, cancellation.Token).ConfigureAwait(false),
            _ => Unknown(name),
        };
    }

    private static int Unknown(string name)
    {
        Console.Error.WriteLine($"bench: unknown benchmark \"{name}\"; available: plan, deploy, exec, containers, control-plane, control-plane-flood, event-stream");
        return 2;
    }
}
