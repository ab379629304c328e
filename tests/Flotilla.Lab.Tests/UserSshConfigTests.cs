using Flotilla.Lab.Internal;

namespace Flotilla.Lab.Tests;

public sealed class UserSshConfigTests
{
    [Fact]
    public async Task The_include_goes_first_once_and_leaves_the_users_own_settings_alone()
    {
        using var dir = new TempDirectory();
        var config = dir.Write(".ssh/config", "Host work\n  User me\n");
        var root = Path.Combine(dir.Path, "labs");

        await UserSshConfig.EnsureIncludedAsync(config, root, CancellationToken.None);
        await UserSshConfig.EnsureIncludedAsync(config, root, CancellationToken.None);

        var lines = await File.ReadAllLinesAsync(config);
        Assert.Equal(UserSshConfig.IncludeLine(root), lines[1]);
        Assert.Single(lines, UserSshConfig.IncludeLine(root));
        Assert.Equal(["Host work", "  User me"], lines[^2..]);
    }

    [Fact]
    public async Task The_include_stays_while_a_lab_is_left_and_goes_with_the_last()
    {
        using var dir = new TempDirectory();
        var config = dir.Write(".ssh/config", "Host work\n  User me\n");
        var root = Path.Combine(dir.Path, "labs");
        var state = dir.Write("labs/one/state.json", "{}");
        await UserSshConfig.EnsureIncludedAsync(config, root, CancellationToken.None);

        await UserSshConfig.RemoveIfUnusedAsync(config, root, CancellationToken.None);
        Assert.Contains(UserSshConfig.IncludeLine(root), await File.ReadAllLinesAsync(config));

        File.Delete(state);
        await UserSshConfig.RemoveIfUnusedAsync(config, root, CancellationToken.None);
        Assert.Equal("Host work\n  User me\n", await File.ReadAllTextAsync(config));
    }

    [Fact]
    public async Task A_config_the_lab_created_is_removed_with_the_last_lab()
    {
        using var dir = new TempDirectory();
        var config = Path.Combine(dir.Path, ".ssh", "config");
        var root = Path.Combine(dir.Path, "labs");

        await UserSshConfig.EnsureIncludedAsync(config, root, CancellationToken.None);
        Assert.True(File.Exists(config));
        await UserSshConfig.RemoveIfUnusedAsync(config, root, CancellationToken.None);

        Assert.False(File.Exists(config));
    }
}
