using System.Diagnostics;

namespace Flotilla.Security.Tests;

/// <summary>
/// Runs the real programs people make hashes with (mkpasswd from whois, htpasswd from
/// apache2-utils, openssl, zbarimg from zbar-tools; scripts/setup.sh installs them). The secret
/// goes on standard input, never in the arguments. A missing program fails the test.
/// </summary>
internal static class Tools
{
    public static async Task<string> RunAsync(string program, string? input, params string[] arguments)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start");
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input);
        }

        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', arguments)} exited {process.ExitCode}: {await error}");
        return (await output).Trim();
    }
}
