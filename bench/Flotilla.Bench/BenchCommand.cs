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
        var options = BenchOptions.Parse(args.Skip(1));
        return name switch
        {
            "plan" => await PlanBenchmark.RunAsync(args).ConfigureAwait(false),
            "deploy" => await DeployBenchmark.RunAsync(options, cancellation.Token).ConfigureAwait(false),
            "exec" => await ExecBenchmark.RunAsync(options, cancellation.Token).ConfigureAwait(false),
            "control-plane" => await ControlPlaneBenchmark.RunAsync(args, cancellation.Token).ConfigureAwait(false),
            _ => Unknown(name),
        };
    }

    private static int Unknown(string name)
    {
        Console.Error.WriteLine($"bench: unknown benchmark \"{name}\"; available: plan, deploy, exec, control-plane");
        return 2;
    }
}
