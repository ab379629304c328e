using System.CommandLine;

namespace Flotilla.Cli.Commands;

internal static class CommonOptions
{
    public static Option<string?> File() => new("--file", "-f")
    {
        Description = "The inventory: a .nix service manifest, a flake directory, or a .json/.yaml file (default: flotilla.nix, flotilla.json, flotilla.yaml or flake.nix in the current directory)",
        HelpName = "PATH",
    };

    public static Option<bool> Json(string description) => new("--json") { Description = description };

    /// <summary><c>--json</c> for commands that run a plan: events as JSON lines instead of live progress.</summary>
    /// <summary><c>--dry-run</c>: print the plan that would run (as <c>flotilla plan</c>; JSON with <c>--json</c>) and change nothing.</summary>
    public static Option<bool> DryRun() => new("--dry-run") { Description = "Print the plan that would run (as flotilla plan does; --json prints it as JSON) and change nothing" };

    public static Option<bool> Events() => Json("Print one JSON object per line per event instead of live progress");

    public static Option<int> Parallel(string description, int defaultValue) => new("--parallel")
    {
        Description = description,
        DefaultValueFactory = _ => defaultValue,
        HelpName = "N",
    };

    public static DurationOption ConfirmTimeout(string description) => new("--confirm-timeout", description, "30s", "30s or 2m");

    public static Option<string?> Substituters(string purpose) => new("--substituters")
    {
        Description = $"Binary caches for {purpose} (\"\" for none; default: nix.conf's)",
        HelpName = "URLS",
    };
}
