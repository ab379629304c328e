namespace Flotilla.Nix;

/// <summary>
/// The one place nix's command-line flags are spelled: every <c>nix</c> invocation of Flotilla
/// (the loaders' evaluations, builds and copies, the lab, the commands run on hosts) starts with
/// one of these, so the experimental features it needs change here alone.
/// </summary>
public static class NixFlags
{
    /// <summary>The new command line (<c>nix copy</c>, <c>nix eval</c> of a file).</summary>
    public static IReadOnlyList<string> Command { get; } = ["--extra-experimental-features", "nix-command"];

    /// <summary>The new command line and flakes (<c>nix build FLAKE#ATTR</c>, <c>nix flake update</c>).</summary>
    public static IReadOnlyList<string> Flakes { get; } = ["--extra-experimental-features", "nix-command flakes"];
}
