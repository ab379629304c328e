using System.Diagnostics;
using Flotilla.Tests.Support;

namespace Flotilla.Tests;

/// <summary>The repository's <c>./flotilla</c> script builds the CLI when needed and runs it.</summary>
// Builds with the .NET SDK: one at a time (each alone already loads both cores for minutes).
[Collection(DotnetBuildCollection.Name)]
public sealed class WrapperTests
{
    [Fact]
    public async Task The_wrapper_script_builds_and_prints_the_version()
    {
        var start = new ProcessStartInfo("bash")
        {
            WorkingDirectory = Repository.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(Repository.PathOf("flotilla"));
        start.ArgumentList.Add("--version");
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        await process.WaitForExitAsync(timeout.Token);

        Assert.True(process.ExitCode == 0, await error);
        Assert.StartsWith("0.1.0", (await output).Trim(), StringComparison.Ordinal);
    }
}
