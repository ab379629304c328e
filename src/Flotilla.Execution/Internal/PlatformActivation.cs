using Flotilla.Inventory;

namespace Flotilla.Execution.Internal;

/// <summary>
/// How each platform of the inventory is activated: the name the watchdog knows it by, where its
/// activation directory lives, which goals it has, and what its activation is called in messages.
/// </summary>
internal static class PlatformActivation
{
    public static string Name(Platform platform) => platform switch
    {
        Platform.Darwin => "darwin",
        Platform.HomeManager => "home-manager",
        _ => "nixos",
    };

    /// <summary>
    /// A new activation directory: under /run/flotilla for systems (root's, cleared at boot), under
    /// the login user's home for home-manager (the user cannot write /run; a relative path is
    /// resolved against $HOME on the host).
    /// </summary>
    public static string NewDirectory(Platform platform) =>
        (platform == Platform.HomeManager ? ".local/state/flotilla/activations/" : "/run/flotilla/") + Guid.NewGuid().ToString("N");

    /// <summary>What the activation runs, for messages.</summary>
    public static string Describe(Platform platform, string goal) => platform switch
    {
        Platform.Darwin => goal == StrategyActivation.DryActivate ? "darwin-rebuild check (checkActivation=1 activate)" : "activate-user and activate",
        Platform.HomeManager => goal == StrategyActivation.DryActivate ? "home-manager's activate with DRY_RUN=1" : "home-manager's activate",
        _ => "switch-to-configuration " + goal,
    };

    /// <summary>Why a platform cannot activate with <paramref name="goal"/>, or null when it can.</summary>
    public static string? Refusal(Host host, string goal)
    {
        ArgumentNullException.ThrowIfNull(host);
        if (goal != StrategyActivation.Boot || host.Platform == Platform.NixOS)
        {
            return null;
        }

        var reason = host.Platform == Platform.Darwin
            ? "nix-darwin has no boot entry to set: at boot a Mac only re-links the system profile and runs part of its activation (the activate-system daemon)"
            : "home-manager has no boot default: a generation is active once its activate script has run";
        static string Where(Host h) => h.Origin.File.Length == 0 ? "in the inventory" : $"{h.Origin.File}, {h.Origin.Of("deployStrategy")}";
        return $"{host.Name} is a {Name(host.Platform)} host and cannot take goal boot: {reason}. " +
            (host.DeployStrategy == DeployStrategy.Recreate
                ? $"Give {host.Name} the deploy strategy rolling or blue-green ({Where(host)})"
                : "Deploy it with --goal switch or test");
    }
}
