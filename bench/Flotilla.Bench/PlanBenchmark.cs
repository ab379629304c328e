using System.Diagnostics;
using System.Globalization;
using Flotilla.Inventory;
using Flotilla.Planning;
using Flotilla.Validation;

namespace Flotilla.Bench;

/// <summary>
/// <c>dotnet run -c Release --project bench/Flotilla.Bench -- plan [sizes...]</c>: validates and
/// plans generated fleets, printing the median time and the allocations per size, and how the
/// time per host grows against the smallest size measured in the same run (1.0 = linear).
/// </summary>
internal static class PlanBenchmark
{
    public static Task<int> RunAsync(string[] args)
    {
        var sizes = args.Skip(1).Select(a => int.Parse(a, CultureInfo.InvariantCulture)).ToArray();
        if (sizes.Length == 0)
        {
            sizes = [100, 1_000, 10_000];
        }

        // Warm up the JIT on a small fleet so the first size is not charged for it.
        Measure(FleetGenerator.Generate(200), 3);

        Console.WriteLine("validate + plan (deploy and reboot) of generated fleets, 5 services per host, random acyclic dependencies");
        Console.WriteLine($"{"hosts",8} {"services",9} {"validate ms",12} {"deploy ms",10} {"reboot ms",10} {"total ms",9} {"alloc MiB",10} {"µs/host",8} {"growth",7}");
        double? baseline = null;
        foreach (var size in sizes)
        {
            var fleet = FleetGenerator.Generate(size);
            var runs = size <= 1_000 ? 21 : 7;
            var result = Measure(fleet, runs);
            var perHost = result.TotalMs * 1000 / size;
            baseline ??= perHost;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{size,8} {fleet.Services.Length,9} {result.ValidateMs,12:F2} {result.DeployMs,10:F2} {result.RebootMs,10:F2} {result.TotalMs,9:F2} {result.AllocatedBytes / 1048576.0,10:F1} {perHost,8:F2} {perHost / baseline,7:F2}"));
        }

        Console.WriteLine("growth = time per host relative to the first size (1.00 = linear); times are medians");
        return Task.FromResult(0);
    }

    private sealed record Result(double ValidateMs, double DeployMs, double RebootMs, long AllocatedBytes)
    {
        public double TotalMs => ValidateMs + DeployMs + RebootMs;
    }

    private static Result Measure(Fleet fleet, int runs)
    {
        var validate = new double[runs];
        var deploy = new double[runs];
        var reboot = new double[runs];
        long allocated = 0;
        for (var i = 0; i < runs; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            var before = GC.GetAllocatedBytesForCurrentThread();
            var watch = Stopwatch.StartNew();
            var diagnostics = FleetValidator.Validate(fleet);
            validate[i] = watch.Elapsed.TotalMilliseconds;
            if (diagnostics.Any(d => d.IsError))
            {
                throw new InvalidOperationException("generated fleet is invalid: " + diagnostics.First(d => d.IsError));
            }

            watch.Restart();
            var deployPlan = Planner.Build(fleet, Operation.Deploy, new Selection());
            deploy[i] = watch.Elapsed.TotalMilliseconds;
            watch.Restart();
            var rebootPlan = Planner.Build(fleet, Operation.Reboot, new Selection());
            reboot[i] = watch.Elapsed.TotalMilliseconds;
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            if (deployPlan.Plan is null || rebootPlan.Plan is null)
            {
                throw new InvalidOperationException("planning failed: " + string.Join("; ", deployPlan.Errors.Concat(rebootPlan.Errors)));
            }
        }

        return new Result(Median(validate), Median(deploy), Median(reboot), allocated);
    }

    private static double Median(double[] values)
    {
        Array.Sort(values);
        return values[values.Length / 2];
    }
}
