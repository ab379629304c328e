using Flotilla.Processes;
using Flotilla.Tests.Support;

namespace Flotilla.Tests;

/// <summary>
/// The NixOS modules under nix/ are at least valid Nix (no nixpkgs here; the agent modules are
/// evaluated on a stand-in module system in <see cref="AgentModuleTests"/>).
/// </summary>
public sealed class NixModuleTests
{
    public static TheoryData<string> Modules()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(Repository.PathOf("nix"), "*.nix", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetRelativePath(Repository.Root, file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Modules))]
    public async Task The_module_parses(string module)
    {
        var result = await ProcessRunner.RunAsync("nix-instantiate", ["--parse", Repository.PathOf(module)]);

        Assert.True(result.ExitCode == 0, result.StandardError);
    }

    [Fact]
    public async Task The_upgrade_module_is_a_randomized_persistent_timer_that_runs_flotilla_upgrade_with_the_lock()
    {
        var result = await ProcessRunner.RunAsync("nix-instantiate", ["--parse", Repository.PathOf("nix/modules/flotilla-upgrade.nix")]);

        Assert.True(result.ExitCode == 0, result.StandardError);
        foreach (var expected in new[] { "RandomizedDelaySec", "Persistent = true", "OnCalendar", "/bin/flotilla upgrade ", "--lock-wait", "--state-dir", "timers.target", "restartIfChanged = false" })
        {
            Assert.Contains(expected, result.StandardOutput, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_broken_module_would_fail_the_parse()
    {
        using var dir = new TempDirectory();
        var broken = dir.Write("broken.nix", "{ options = { ");

        var result = await ProcessRunner.RunAsync("nix-instantiate", ["--parse", broken]);

        Assert.NotEqual(0, result.ExitCode);
    }
}
