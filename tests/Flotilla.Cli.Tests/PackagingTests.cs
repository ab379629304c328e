using Flotilla.Processes;
using Flotilla.Tests.Support;

namespace Flotilla.Tests;

/// <summary>The .NET tool package, installed as a user installs it: from the packed file, into a clean HOME.</summary>
// Builds with the .NET SDK: one at a time (each alone already loads both cores for minutes).
[Collection(DotnetBuildCollection.Name)]
public sealed class PackagingTests
{
    [Fact]
    public async Task The_packed_tool_installs_into_a_clean_home_and_plans_the_nixmox_example()
    {
        using var dir = new TempDirectory();
        var home = Path.Combine(dir.Path, "home");
        Directory.CreateDirectory(home);
        var dotnet = ProcessRunner.Find("dotnet") ?? throw new InvalidOperationException("dotnet is not on PATH");
        // The solution is built (scripts/test.sh builds it first): pack what the tests run against.
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Debug" : "Release";
        var feed = Path.Combine(dir.Path, "feed");
        var pack = await ProcessRunner.RunAsync(dotnet, ["pack", Repository.PathOf("src", "Flotilla.Cli", "Flotilla.Cli.csproj"), "-c", configuration, "--no-build", "-o", feed, "--nologo"]);
        Assert.True(pack.ExitCode == 0, pack.StandardOutput + pack.StandardError);
        Assert.Single(Directory.GetFiles(feed, "flotilla.*.nupkg"));

        var clean = new Dictionary<string, string>
        {
            ["HOME"] = home,
            ["DOTNET_CLI_HOME"] = home,
            ["NUGET_PACKAGES"] = Path.Combine(home, ".nuget", "packages"),
            ["DOTNET_NOLOGO"] = "1",
        };
        var tools = Path.Combine(dir.Path, "tools");
        var install = await ProcessRunner.RunAsync(dotnet, ["tool", "install", "--tool-path", tools, "--add-source", feed, "flotilla"], clean);
        Assert.True(install.ExitCode == 0, install.StandardOutput + install.StandardError);

        var flotilla = Path.Combine(tools, "flotilla");
        var version = await ProcessRunner.RunAsync(flotilla, ["--version"], clean);
        var plan = await ProcessRunner.RunAsync(flotilla, ["plan", "-f", Repository.PathOf("examples", "nixmox")], clean);

        Assert.True(version.ExitCode == 0, version.StandardError);
        Assert.StartsWith("0.1.0", version.StandardOutput, StringComparison.Ordinal);
        Assert.True(plan.ExitCode == 0, plan.StandardError);
        Assert.StartsWith("Deploy plan: 6 hosts", plan.StandardOutput, StringComparison.Ordinal);
    }
}
