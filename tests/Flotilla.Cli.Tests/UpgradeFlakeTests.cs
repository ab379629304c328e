using Flotilla.Processes;
using Flotilla.Tests.Support;

namespace Flotilla.Tests;

/// <summary><c>flotilla upgrade</c>'s flake update, with the real nix and git, on flakes without hosts.</summary>
public sealed class UpgradeFlakeTests
{
    private static string Flake(string input) => $$"""
        {
          inputs.extra = { url = "path:{{input}}"; flake = false; };
          outputs = { self, extra }: { nixosConfigurations = { }; };
        }
        """;

    private static async Task GitAsync(string directory, params string[] args)
    {
        var result = await ProcessRunner.RunAsync("git", ["-C", directory, "-c", "user.name=flotilla-test", "-c", "user.email=test@flotilla.invalid", .. args]);
        Assert.True(result.ExitCode == 0, result.StandardError);
    }

    [Fact]
    public async Task Upgrade_locks_and_updates_the_flakes_inputs_and_commits_only_when_asked()
    {
        using var dir = new TempDirectory();
        var input = dir.Write("input/file", "one\n");
        var flake = Path.Combine(dir.Path, "fleet");
        dir.Write("fleet/flake.nix", Flake(Path.GetDirectoryName(input)!));
        string[] common = ["--state-dir", Path.Combine(dir.Path, "state")];

        // No lock file yet: the update makes it (the inventory could not even be read before).
        var first = await CliRunner.RunAsync(dir.Path, ["upgrade", "-f", flake, .. common]);
        Assert.True(first.ExitCode == 0, first.Output + first.Error);
        Assert.Contains("upgrade: flake.lock updated (not committed; --commit commits it)", first.Output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(flake, "flake.lock")));

        var unchanged = await CliRunner.RunAsync(dir.Path, ["upgrade", "-f", flake, .. common]);
        Assert.Contains("upgrade: flake.lock is unchanged", unchanged.Output, StringComparison.Ordinal);

        // In a git repository, --commit commits the new lock file, and only then.
        await GitAsync(flake, "init", "-q");
        await GitAsync(flake, "add", "-A");
        await GitAsync(flake, "commit", "-q", "-m", "fleet");
        await GitAsync(flake, "config", "user.name", "flotilla-test");
        await GitAsync(flake, "config", "user.email", "test@flotilla.invalid");
        await File.WriteAllTextAsync(input, "two\n");
        var uncommitted = await CliRunner.RunAsync(dir.Path, ["upgrade", "-f", flake, .. common]);
        Assert.True(uncommitted.ExitCode == 0, uncommitted.Output + uncommitted.Error);
        var log = await ProcessRunner.RunAsync("git", ["-C", flake, "log", "--oneline"]);
        Assert.Single(log.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        await File.WriteAllTextAsync(input, "three\n");
        var committed = await CliRunner.RunAsync(dir.Path, ["upgrade", "-f", flake, "--commit", .. common]);
        Assert.True(committed.ExitCode == 0, committed.Output + committed.Error);
        Assert.Contains("upgrade: flake.lock updated and committed", committed.Output, StringComparison.Ordinal);
        log = await ProcessRunner.RunAsync("git", ["-C", flake, "log", "--format=%s"]);
        Assert.Equal("flake.lock: Update", log.StandardOutput.Split('\n')[0]);
        Assert.Contains("upgrade report:", committed.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_update_that_fails_stops_the_upgrade_before_anything_is_deployed()
    {
        using var dir = new TempDirectory();
        dir.Write("fleet/flake.nix", Flake(Path.Combine(dir.Path, "missing")));

        var run = await CliRunner.RunAsync(dir.Path, "upgrade", "-f", Path.Combine(dir.Path, "fleet"), "--state-dir", Path.Combine(dir.Path, "state"));

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("upgrade: nix flake update failed (exit 1); nothing was deployed", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("upgrade report:", run.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(dir.Path, "state", "fleet.lock")));
    }

    [Fact]
    public async Task An_inventory_that_is_not_a_flake_is_refused_as_invalid_input()
    {
        using var dir = new TempDirectory();
        var json = dir.Write("flotilla.json", """{ "hosts": { "a": { "target": "10.1.0.1" } } }""");

        var run = await CliRunner.RunAsync(dir.Path, "upgrade", "-f", json, "--state-dir", Path.Combine(dir.Path, "state"));

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("is not a flake (no flake.nix)", run.Error, StringComparison.Ordinal);
    }
}
