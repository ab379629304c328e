using System.Diagnostics;
using Flotilla.Execution.Internal;
using Flotilla.Inventory;

namespace Flotilla.Execution.Tests;

public sealed class PlatformActivationTests
{
    public static TheoryData<string> Scripts => new()
    {
        { nameof(ActivationScripts.Watchdog) },
        { nameof(ActivationScripts.Launch) },
        { nameof(ActivationScripts.Signal) },
        { nameof(ActivationScripts.Current) },
    };

    [Theory]
    [MemberData(nameof(Scripts))]
    public async Task Every_activation_script_is_valid_posix_sh(string name)
    {
        var script = (string)typeof(ActivationScripts).GetField(name)!.GetValue(null)!;
        // dash is Debian's /bin/sh and a strict POSIX shell, as macOS's sh is in POSIX mode.
        var start = new ProcessStartInfo("dash") { ArgumentList = { "-n", "-c", script }, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();

        Assert.True(process.ExitCode == 0, $"{name}: {error}");
    }

    [Theory]
    [InlineData(Platform.Darwin, "nix-darwin has no boot entry")]
    [InlineData(Platform.HomeManager, "home-manager has no boot default")]
    public void Goal_boot_is_refused_for_hosts_that_have_no_boot_default(Platform platform, string reason)
    {
        var host = Fleets.Host("mac") with { Platform = platform, DeployStrategy = DeployStrategy.Recreate };

        var refusal = PlatformActivation.Refusal(host, StrategyActivation.Boot);

        Assert.NotNull(refusal);
        Assert.Contains(reason, refusal, StringComparison.Ordinal);
        Assert.Contains("deploy strategy rolling or blue-green", refusal, StringComparison.Ordinal);
        Assert.Null(PlatformActivation.Refusal(host, StrategyActivation.Switch));
        Assert.Null(PlatformActivation.Refusal(host, StrategyActivation.Test));
        Assert.Null(PlatformActivation.Refusal(host with { Platform = Platform.NixOS }, StrategyActivation.Boot));
    }

    [Fact]
    public void A_home_manager_activation_directory_is_under_the_users_home_and_a_systems_under_run()
    {
        Assert.StartsWith(".local/state/flotilla/activations/", PlatformActivation.NewDirectory(Platform.HomeManager), StringComparison.Ordinal);
        Assert.StartsWith("/run/flotilla/", PlatformActivation.NewDirectory(Platform.Darwin), StringComparison.Ordinal);
        Assert.StartsWith("/run/flotilla/", PlatformActivation.NewDirectory(Platform.NixOS), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Platform.NixOS, "root", "nixosConfigurations.\"mac\".config.system.build.toplevel")]
    [InlineData(Platform.Darwin, "root", "darwinConfigurations.\"mac\".config.system.build.toplevel")]
    [InlineData(Platform.HomeManager, "mba", "homeConfigurations.\"mba@mac\".activationPackage")]
    public void A_host_without_a_system_attribute_is_built_from_its_platforms_flake_output(Platform platform, string user, string attribute)
    {
        var host = Fleets.Host("mac") with { Platform = platform, Target = new Target("192.0.2.1", user) };

        Assert.Equal(attribute, NixBuilder.DefaultSystemAttribute(host));
    }
}
