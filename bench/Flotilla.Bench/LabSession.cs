using Flotilla.Lab;

namespace Flotilla.Bench;

/// <summary>
/// Brings a lab up for a benchmark and always takes it down, also when the benchmark fails or is
/// cancelled. Labs live under the default state root so the user's ~/.ssh/config Include reaches
/// them with plain ssh, as parallel-ssh, Ansible and nix copy need.
/// </summary>
internal static class LabSession
{
    public static async Task<int> RunAsync(LabOptions options, Func<Lab.Lab, Task<int>> benchmark, CancellationToken cancellationToken)
    {
        Console.WriteLine($"lab {options.Name}: bringing up {(options.Fleet is null ? options.HostCount : options.Fleet.Hosts.Length)} hosts...");
        try
        {
            var lab = await Lab.Lab.UpAsync(options, cancellationToken).ConfigureAwait(false);
            return await benchmark(lab).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidOperationException or LabException or OperationCanceledException)
        {
            Console.Error.WriteLine(e.Message);
            return 1;
        }
        finally
        {
            // Not the benchmark's token: a cancelled run must still take its lab down.
            await Lab.Lab.DownAsync(options.Name, options.StateRoot, CancellationToken.None).ConfigureAwait(false);
            Console.WriteLine($"lab {options.Name}: down");
        }
    }
}
